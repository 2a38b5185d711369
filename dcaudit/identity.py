"""Identities that survive a re-crawl: what makes a finding or an interaction "the same" in
two runs of one site, for baselines (``dcaudit baseline``), ``--baseline`` and ``dcaudit diff``.

- A **finding** is its rule, its page's URL template and the element's locator
  (:mod:`dcaudit.locator`: ids, landmarks, labels and a hash of the element's own text before
  any position), plus whether it is a violation or needs review. A finding inside the site's
  banner or footer belongs to every page, so its template is ``*``.
- An **interaction** is its kind, its page's URL template, its target (templated the same
  way, host kept only when it is another site's) and its label.

URL templates build on :func:`dcaudit.checks.findings.path_template` (host and port dropped,
numeric and hash-like segments and query values collapsed) and collapse dates, slugs and
pagination as well, so a new article or page of results shares its template with the others.

Identities are compared as sets: a problem already known on a template is not new on
another page of that template, which is what a team with known debt wants from a gate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from dcaudit.checks.findings import path_template
from dcaudit.models import Finding, Interaction, Outcome

IDENTITY_VERSION = 1
SITE_WIDE = "*"  # the template of a finding in the site's banner or footer
CHROME = ("banner", "contentinfo")  # locators starting with these are site-wide
LABEL_LIMIT = 80
_DATE = re.compile(
    r"^(?:(?:19|20)\d\d(?:[-_.]?\d\d){0,2}|\d\d?[-_.]\d\d?[-_.](?:19|20)\d\d"
    r"|\d\d?-(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*-(?:19|20)\d\d)$",
    re.IGNORECASE,
)
_LONG_DIGITS = re.compile(r"\d{3,}")
_HEX_RUN = re.compile(r"(?<![0-9a-z])[0-9a-f]{8,}(?![0-9a-z])", re.IGNORECASE)
_SLUG = re.compile(r"^[\w%.~]+(?:[-_][\w%.~]+)+$")
PAGINATION_KEYS = frozenset({"page", "p", "pg", "paged", "offset", "start", "from", "skip"})
_SPACE = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s@.+/-]")


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def url_template(url: str) -> str:
    """``https://a.example/news/2024/05/bins-change?page=3`` -> ``/news/*/*/*?page=*``."""
    template = path_template(url)
    path, _, query = template.partition("?")
    segments = path.split("/")
    last = max((n for n, seg in enumerate(segments) if seg), default=0)
    collapsed = [
        _segment(seg, is_last=n == last and n > 1) if seg else seg for n, seg in enumerate(segments)
    ]
    result = "/".join(collapsed)
    if query:
        result += "?" + "&".join(sorted(_query_pair(pair) for pair in query.split("&")))
    return result


def _segment(segment: str, *, is_last: bool) -> str:
    """A date, an id with a long number, or (as the last of two or more segments) a slug
    becomes ``*``; anything else stays as written."""
    if segment == "*" or _DATE.match(segment):
        return "*"
    stem = segment.rsplit(".", 1)[0] if "." in segment[1:] else segment
    if _LONG_DIGITS.search(stem) or _HEX_RUN.search(stem):
        return "*"
    if is_last and _SLUG.match(stem):
        return "*"
    return segment


def _query_pair(pair: str) -> str:
    key, equals, value = pair.partition("=")
    if key.lower() in PAGINATION_KEYS or _LONG_DIGITS.search(value) or _DATE.match(value):
        value = "*"
    return f"{key}{equals}{value}"


def address_template(url: str, page_url: str) -> str:
    """A web address named in an element (``src``, ``href``): numbers, dates and hashes
    collapsed but words kept, so ``oak.png`` and ``elm.png`` stay apart; the host only
    when it is not the page's."""
    return target_template(url, page_url, template=_address_path)


def _address_path(url: str) -> str:
    path = path_template(url)
    return "/".join(_HEX_RUN.sub("*", s) if not _DATE.match(s) else "*" for s in path.split("/"))


def target_template(
    target: str | None, page_url: str, template: Callable[[str], str] | None = None
) -> str:
    """An interaction's target as its identity sees it: same-host web addresses as a URL
    template, other hosts with their host, mailto: and tel: as the address alone."""
    if not target:
        return ""
    text = target.strip()
    scheme = text.partition(":")[0].lower()
    if scheme == "mailto":
        return "mailto:" + text[7:].partition("?")[0].strip().lower()
    if scheme == "tel":
        return "tel:" + "".join(c for c in text[4:] if c.isdigit() or c == "+")
    if scheme not in ("http", "https"):
        return text[:200]
    try:
        host = (urlsplit(text).hostname or "").lower()
        page_host = (urlsplit(page_url).hostname or "").lower()
    except ValueError:
        return text[:200]
    path = (template or url_template)(text)
    return path if host == page_host else f"//{host}{path}"


def normal_label(text: str | None) -> str:
    """Case, spacing and punctuation folded, so "Have your say!" matches "have your say"."""
    folded = _PUNCTUATION.sub("", _SPACE.sub(" ", text or "")).strip().lower()
    return folded[:LABEL_LIMIT]


def fallback_locator(selector: str | None) -> str:
    """A selector that could not be resolved to an element, without its positions."""
    if not selector:
        return ""
    return re.sub(r":nth-(?:of-type|child)\(\d+\)", "", selector).strip()


def finding_parts(finding: Finding) -> tuple[str, str, str]:
    """``(rule, template, locator)`` of a finding."""
    locator = finding.locator if finding.locator is not None else fallback_locator(finding.selector)
    first = re.split(r"[\s#\[]", locator, maxsplit=1)[0]
    template = SITE_WIDE if first in CHROME else url_template(finding.page)
    return finding.rule, template, locator


def finding_identity(finding: Finding) -> str:
    """The finding's identity: one hash, the same in every run for the same problem."""
    rule, template, locator = finding_parts(finding)
    review = "review" if finding.outcome is Outcome.NEEDS_REVIEW else ""
    return short_hash("finding", rule, template, locator, review)


def interaction_parts(interaction: Interaction) -> tuple[str, str, str, str]:
    """``(kind, template, target, label)`` of an interaction."""
    return (
        interaction.kind.value,
        url_template(interaction.page),
        target_template(interaction.target, interaction.page),
        normal_label(interaction.label),
    )


def interaction_identity(interaction: Interaction) -> str:
    return short_hash("interaction", *interaction_parts(interaction))


__all__ = [
    "IDENTITY_VERSION",
    "SITE_WIDE",
    "address_template",
    "fallback_locator",
    "finding_identity",
    "finding_parts",
    "interaction_identity",
    "interaction_parts",
    "normal_label",
    "short_hash",
    "target_template",
    "url_template",
]
