"""Making untrusted text from audited pages safe to show in any output.

Escaping for each format is done by its writer (jinja2 autoescape, json.dumps, xml.etree,
the csv module); this module removes what no writer escapes: control characters, bidi
overrides that make text read differently from what it is, and unbounded length.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# C0/C1 controls except tab/newline, and the bidi embedding/override/isolate marks.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_ANY_SPACE = re.compile(r"\s")
# what can start emphasis, code, links, images, HTML, entities, headings or end a table cell
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()<>|!~&#])")


def plain(value: object, limit: int = 0) -> str:
    """Text on one line, unsafe characters removed, cut to ``limit`` characters (0: no cut)."""
    if value is None:
        return ""
    text = _SPACE.sub(" ", _UNSAFE.sub("", str(value))).strip()
    if limit and len(text) > limit:
        return text[: limit - 1].rstrip() + "…"
    return text


def md(value: object, limit: int = 120) -> str:
    """Text safe inside Markdown (and a table cell): one line, special characters escaped,
    and ``@`` followed by a zero-width space so page text cannot mention people or teams."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain(value, limit)).replace("@", "@\u200b")


def xml_safe(value: object) -> str:
    """Text XML 1.0 can hold (the same removals, newlines kept)."""
    return "" if value is None else _UNSAFE.sub("", str(value))


def is_http_url(value: object) -> bool:
    """Only http(s) URLs with a host become links; javascript:, data: and the rest stay text."""
    if not isinstance(value, str) or _UNSAFE.search(value) or _ANY_SPACE.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
