"""Every interaction on a parsed page: forms, embeds, contact channels, documents and
off-site service links, each with its accessible label, stable selector and id.

``extract_interactions`` is the entry point. Extraction reads the platform and document
catalogues to recognise embeds and document links, and asks the run's rules (``LinkRules``,
which dcaudit.classify's compiled rules satisfy) whether an off-site link is a service route.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import lxml.html

from dcaudit.engine.catalogs import DocumentTypes, PlatformCatalog
from dcaudit.extract.candidates import Candidate, SourceElement, Sources
from dcaudit.extract.embeds import extract_embeds
from dcaudit.extract.forms import extract_forms
from dcaudit.extract.labels import LABEL_LIMIT, context_text, element_text, heading_text
from dcaudit.extract.links import extract_links
from dcaudit.extract.page_index import PageIndex, chrome_landmark, page_index
from dcaudit.extract.selectors import css_selector
from dcaudit.extract.urls import host_of
from dcaudit.models import Interaction, Kind
from dcaudit.parse.document import ParsedPage

log = logging.getLogger(__name__)

SITE_CHROME = "site_chrome"
_SOURCES_KEY = "dcaudit.interaction_sources"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class LinkRules(Protocol):
    """What extraction needs from the run's rules: the platform and document catalogues, and
    whether a link or address that only a rule can justify is kept."""

    @property
    def platforms(self) -> PlatformCatalog: ...

    @property
    def documents(self) -> DocumentTypes: ...

    def keeps_link(
        self, interaction: Interaction, source: SourceElement, parsed: ParsedPage
    ) -> bool:
        """Whether an off-site link (or an address) is a service or participation route."""
        ...


def normalise_page_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment: the id's page part."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host
    try:
        port = parts.port
    except ValueError:  # an impossible port: keep it as written
        port = None
        netloc = parts.netloc.lower()
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def interaction_id(page_url: str, kind: Kind, selector: str) -> str:
    """Stable across runs: a hash of the normalised page URL, the kind and the selector."""
    key = f"{normalise_page_url(page_url)}\n{kind.value}\n{selector}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def same_host_scope(page_url: str) -> Callable[[str], bool]:
    host = host_of(page_url)

    def in_scope(url: str) -> bool:
        return host_of(url) == host

    return in_scope


def interaction_sources(parsed: ParsedPage) -> Sources:
    """The elements (and form shapes) behind the interactions extracted from ``parsed``."""
    cached = parsed._cache.get(_SOURCES_KEY)
    if isinstance(cached, Sources):
        return cached
    sources = Sources()
    parsed._cache[_SOURCES_KEY] = sources
    return sources


def extract_interactions(
    parsed: ParsedPage,
    in_scope: Callable[[str], bool] | None = None,
    *,
    rules: LinkRules,
    keep_all_links: bool = False,
) -> list[Interaction]:
    """All interactions on one page, in document order.

    ``in_scope`` is the crawler's scope test (default: the page's own host); ``rules`` the
    run's compiled classification rules. ``keep_all_links`` keeps every off-site link and
    address, recognised or not (the rule example harness uses it).
    """
    index = page_index(parsed)
    scope = in_scope or same_host_scope(parsed.url)
    candidates = [
        *extract_forms(parsed, index),
        *extract_embeds(parsed, index, rules.platforms),
        *extract_links(parsed, index, rules.platforms, rules.documents, scope),
    ]
    candidates.sort(key=lambda c: index.position(c.element))
    sources = interaction_sources(parsed)
    interactions: list[Interaction] = []
    used_ids: set[str] = set()
    for candidate in candidates:
        try:
            interaction, source = _build(parsed, index, candidate, used_ids)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            # one odd element must not cost the page its other interactions
            log.warning("skipped an element on %s: %s", parsed.url, exc)
            continue
        needs_rule = candidate.needs_rule and not keep_all_links
        if needs_rule and not rules.keeps_link(interaction, source, parsed):
            continue
        used_ids.add(interaction.id)
        sources.by_id[interaction.id] = source
        interactions.append(interaction)
    return interactions


def _language(element: lxml.html.HtmlElement) -> str | None:
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        lang = node.get("lang")
        if lang:
            return lang.strip() or None
        node = node.getparent()
    return None


def _build(
    parsed: ParsedPage, index: PageIndex, candidate: Candidate, used_ids: set[str]
) -> tuple[Interaction, SourceElement]:
    element = candidate.element
    landmark = chrome_landmark(element, index)
    selector = css_selector(element, index)
    identifier = interaction_id(parsed.url, candidate.kind, selector)
    serial = 1
    while identifier in used_ids:  # two interactions of one kind on one element
        serial += 1
        identifier = interaction_id(parsed.url, candidate.kind, f"{selector}#{serial}")
    own = candidate.own_text or (
        element_text(element) if element.tag not in {"script", "iframe"} else candidate.label
    )
    shape = candidate.shape
    interaction = Interaction(
        id=identifier,
        page=parsed.url,
        kind=candidate.kind,
        label=candidate.label[:LABEL_LIMIT],
        selector=selector,
        target=candidate.target,
        method=candidate.method,
        fields=shape.fields if shape is not None else (),
        submit_text=candidate.submit_text,
        heading=heading_text(index.preceding_heading(element, landmark)),
        context=context_text(element, own) if element.tag != "script" else None,
        platform=candidate.platform.name if candidate.platform is not None else None,
        tags=(SITE_CHROME,) if landmark is not None else (),
    )
    source = SourceElement(
        element=element,
        shape=shape,
        platform=candidate.platform,
        document=candidate.document,
        language=_language(element),
        chrome=landmark is not None,
    )
    return interaction, source
