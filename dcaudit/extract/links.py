"""Links that are interactions: contact channels, documents, and links that leave the site.

Links inside the crawl scope are followed by the crawler, not classified: the page they lead
to is. Off-site links are kept when they go to a known platform, or (``needs_rule``) when a
classification rule recognises them as a service or participation route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from dcaudit.engine.catalogs import DocumentTypes, PlatformCatalog
from dcaudit.extract.candidates import Candidate
from dcaudit.extract.labels import accessible_name, element_text
from dcaudit.extract.page_index import PageIndex, chrome_landmark, elements
from dcaudit.extract.urls import absolute_url, host_of
from dcaudit.models import Kind
from dcaudit.parse.document import ParsedPage

CONTACT_SCHEMES = ("mailto:", "tel:", "sms:", "callto:")
_ABSOLUTE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_MAY_HAVE_HINT = etree.XPath("//a[contains(., '(') or contains(., '[') or contains(., ',')]")

_SKIP_SCHEMES = ("javascript:", "data:", "#")


def extract_links(
    parsed: ParsedPage,
    index: PageIndex,
    platforms: PlatformCatalog,
    documents: DocumentTypes,
    in_scope: Callable[[str], bool],
) -> list[Candidate]:
    page_host = host_of(parsed.url)
    reader = _LinkReader(
        parsed,
        index,
        platforms,
        documents,
        in_scope,
        page_host,
        # relative links stay on the page's host (unless <base> moves them): skip them cheaply
        relative_in_scope=host_of(parsed.base_url) == page_host,
        hinted=set(elements(_MAY_HAVE_HINT, parsed.root)),
    )
    candidates = [
        candidate
        for link in parsed.root.iter("a", "area")
        if (candidate := reader.candidate(link)) is not None
    ]
    candidates.extend(_address_candidates(parsed, index))
    return candidates


@dataclass(frozen=True)
class _LinkReader:
    """What deciding whether one link is an interaction needs to know about its page."""

    parsed: ParsedPage
    index: PageIndex
    platforms: PlatformCatalog
    documents: DocumentTypes
    in_scope: Callable[[str], bool]
    page_host: str
    relative_in_scope: bool
    hinted: set[lxml.html.HtmlElement]  # links whose text may carry a "(PDF, 2MB)" hint

    def candidate(self, link: lxml.html.HtmlElement) -> Candidate | None:
        """A contact channel, a document or an off-site link; None for anything else."""
        href = (link.get("href") or "").strip()
        if (
            self.relative_in_scope
            and ":" not in href
            and "." not in href
            and not href.startswith("//")
            and link not in self.hinted
            and link.get("type") is None
        ):
            return None  # a plain relative path: followed by the crawler, never an interaction
        lowered = href.lower()
        if not href or lowered.startswith(_SKIP_SCHEMES):
            return None
        if lowered.startswith(CONTACT_SCHEMES):
            label = accessible_name(link, self.index)
            return Candidate(Kind.CONTACT, link, label or href, target=href)
        # only links with brackets or commas can carry a "(PDF, 2MB)" hint: skip reading the rest
        hint_text = link.text_content() if link in self.hinted else ""
        document = self.documents.lookup(href, link.get("type"), hint_text)
        if document is not None:
            url = absolute_url(self.parsed, href)
            if url is None:
                return None
            label = accessible_name(link, self.index)
            return Candidate(Kind.DOCUMENT, link, label, target=url, document=document)
        return self._off_site(link, href)

    def _off_site(self, link: lxml.html.HtmlElement, href: str) -> Candidate | None:
        if self.relative_in_scope and not _ABSOLUTE.match(href):
            return None
        url = absolute_url(self.parsed, href)
        if url is None or not url.lower().startswith(("http://", "https://")):
            return None
        if host_of(url) == self.page_host or self.in_scope(url):
            return None
        label = accessible_name(link, self.index)
        platform = self.platforms.lookup(url)
        return Candidate(
            Kind.LINK,
            link,
            label or url,
            target=url,
            platform=platform,
            needs_rule=platform is None,
        )


def _address_candidates(parsed: ParsedPage, index: PageIndex) -> list[Candidate]:
    """``<address>`` blocks outside the site chrome, kept only if a rule recognises them."""
    candidates = []
    for address in parsed.root.iter("address"):
        if chrome_landmark(address, index) is not None:
            continue
        text = element_text(address)
        if text:
            candidates.append(
                Candidate(Kind.CONTACT, address, text[:120], needs_rule=True, own_text=text)
            )
    return candidates
