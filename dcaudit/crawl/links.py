"""Links a crawler follows, read from the page's one parsed tree: ``a[href]``, ``area[href]``,
the documents of ``iframe[src]`` and ``frame[src]`` (a form can live in a frame of the same
site), and the target of a ``<meta http-equiv="refresh">`` (old pages moved that way).

``link[rel=alternate][hreflang]`` and other ``<link>`` elements are not followed: language
versions are reached through visible links, like a person would, and the checks read the
alternates from the tree themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import lxml.html

from dcaudit.parse.document import ParsedPage

MAX_LINK_TEXT = 200
MAX_KEPT_URL = 2000  # hostile pages can carry megabyte-long javascript: URLs
_WHITESPACE = re.compile(r"\s+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# WHATWG "shared declarative refresh steps": a delay, then optionally ; or , and url=
# (the delay must end the content or be followed by whitespace, ; or ,: "0: url" is invalid)
_REFRESH = re.compile(
    r"\s*[0-9.]+(?=[\s;,]|$)\s*(?:[;,]\s*)?(?:url\s*=\s*)?(.*)", re.IGNORECASE | re.DOTALL
)
FRAME_TAGS = frozenset({"iframe", "frame"})


class FoundLink(NamedTuple):
    """A link on a page (a tuple: there are tens of thousands of them in a crawl)."""

    url: str  # absolute; dot segments may remain (normalise_url resolves them)
    scheme: str  # lower-case, "" when there is none
    element: lxml.html.HtmlElement

    def text(self) -> str:
        """What a person sees for the link (``alt`` for an image-map area), shortened."""
        return link_text(self.element)


def link_text(element: lxml.html.HtmlElement) -> str:
    """What a person sees for a link element (``alt`` for an image-map area, ``title`` for a
    frame, nothing for a refresh), shortened."""
    tag = element.tag
    if tag == "area":
        raw = element.get("alt") or ""
    elif tag in FRAME_TAGS:
        raw = element.get("title") or ""
    elif tag == "meta":
        raw = ""
    else:
        raw = element.text_content()
    text = _WHITESPACE.sub(" ", raw).strip()
    return text[:MAX_LINK_TEXT]


def iter_links(parsed: ParsedPage) -> Iterator[FoundLink]:
    """Every link the module docstring names, with its absolute URL; fragment-only links
    skipped."""
    for url, scheme, element in iter_link_tuples(parsed):
        yield FoundLink(url, scheme, element)


def iter_link_tuples(parsed: ParsedPage) -> Iterator[tuple[str, str, lxml.html.HtmlElement]]:
    """:func:`iter_links` as plain ``(url, scheme, element)`` tuples (cheaper to make)."""
    base = parsed.base_url
    base_parts = urlsplit(base)
    base_scheme = base_parts.scheme.lower()
    origin = f"{base_scheme}://{base_parts.netloc}"
    for element in parsed.root.iter("a", "area", "iframe", "frame", "meta"):
        tag = element.tag
        if tag == "a" or tag == "area":
            href = element.get("href")
        elif tag == "meta":
            href = refresh_target(element)
        else:
            href = element.get("src")
        if href is None:
            continue
        href = href.strip()
        if not href or href[0] == "#":
            continue
        # fast paths for the common forms; urljoin (slow) for the rest
        if href[0] == "/":
            if href.startswith("//"):
                yield (f"{base_scheme}:{href}", base_scheme, element)
            else:
                yield (origin + href, base_scheme, element)
            continue
        if href.startswith("https://"):
            yield (href, "https", element)
            continue
        if href.startswith("http://"):
            yield (href, "http", element)
            continue
        match = _SCHEME.match(href)
        if match is not None:  # absolute: mailto:, tel:, javascript:, other schemes
            yield (href, match.group(1).lower(), element)
            continue
        try:
            url = urljoin(base, href)
        except ValueError:  # e.g. a broken IPv6 literal
            continue
        scheme_match = _SCHEME.match(url)
        yield (url, scheme_match.group(1).lower() if scheme_match else "", element)


def refresh_target(meta: lxml.html.HtmlElement) -> str | None:
    """The URL a ``<meta http-equiv="refresh" content="5; url=...">`` moves to, if any."""
    if (meta.get("http-equiv") or "").strip().lower() != "refresh":
        return None
    match = _REFRESH.match(meta.get("content") or "")
    if match is None:
        return None
    target = match.group(1).strip()
    if target[:1] in ("'", '"'):
        target = target[1:].split(target[0], 1)[0]
    return target or None
