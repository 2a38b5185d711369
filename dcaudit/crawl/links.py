"""Links a crawler follows, read from the page's one parsed tree: ``a[href]`` and ``area[href]``.

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

from dcaudit.extract.document import ParsedPage

MAX_LINK_TEXT = 200
MAX_KEPT_URL = 2000  # hostile pages can carry megabyte-long javascript: URLs
_WHITESPACE = re.compile(r"\s+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


class FoundLink(NamedTuple):
    """A link on a page (a tuple: there are tens of thousands of them in a crawl)."""

    url: str  # absolute; dot segments may remain (normalise_url resolves them)
    scheme: str  # lower-case, "" when there is none
    element: lxml.html.HtmlElement

    def text(self) -> str:
        """What a person sees for the link (``alt`` for an image-map area), shortened."""
        return link_text(self.element)


def link_text(element: lxml.html.HtmlElement) -> str:
    """What a person sees for a link element (``alt`` for an image-map area), shortened."""
    is_area = element.tag == "area"
    raw = (element.get("alt") or "") if is_area else element.text_content()
    text = _WHITESPACE.sub(" ", raw).strip()
    return text[:MAX_LINK_TEXT]


def iter_links(parsed: ParsedPage) -> Iterator[FoundLink]:
    """Every ``a[href]`` and ``area[href]`` with its absolute URL; fragment-only links skipped."""
    for url, scheme, element in iter_link_tuples(parsed):
        yield FoundLink(url, scheme, element)


def iter_link_tuples(parsed: ParsedPage) -> Iterator[tuple[str, str, lxml.html.HtmlElement]]:
    """:func:`iter_links` as plain ``(url, scheme, element)`` tuples (cheaper to make)."""
    base = parsed.base_url
    base_parts = urlsplit(base)
    base_scheme = base_parts.scheme.lower()
    origin = f"{base_scheme}://{base_parts.netloc}"
    for element in parsed.root.iter("a", "area"):
        href = element.get("href")
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
