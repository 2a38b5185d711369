"""The page records of rule examples (rules/<pack>/tests/<ID>.html), for every family.

Three kinds of example element:

- any element: the rule must (``expect``) or must not (``ok``) report it or something in it;
- ``<textarea data-page>``: its text is a whole page, for rules about the page itself
  (title, language, viewport, HTTPS...). The rule must or must not report anything on it.
  ``data-url`` gives the page URL (default https://example.test/page);
- ``<textarea data-site>``: several pages of one site, each starting with
  ``<html data-url="...">``, for rules judged over the whole site (DCX001).

``data-*`` attributes of the example element carry what the crawl, the HTTP response or
the browser would supply: ``data-final-url`` (after redirects), ``data-required-languages``,
``data-headers`` with ``data-header-<name>``, ``data-request-count`` and
``data-transfer-bytes``. Interactions on example pages are the elements carrying
``data-class`` (the class the classifier would give them); those marked
``data-rendered-only`` exist only in the browser's rendered DOM.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from dcaudit.checks.accname import tag_of
from dcaudit.checks.findings import css_path
from dcaudit.checks.records import BrowserEvidence, PageRecord, bare_page
from dcaudit.config import Settings
from dcaudit.engine.packs import Example
from dcaudit.models import MODE_OF_CLASS, Field, Finding, Interaction, InteractionClass, Kind
from dcaudit.parse.document import ParsedPage, parse_html

EXAMPLE_URL = "https://example.test/page"
RENDERED_ONLY = "rendered-only"  # the tag of an interaction found only in the rendered DOM
_PAGE_START = re.compile(r"(?=<html\b)", re.IGNORECASE)
_DATA_URL = re.compile(r'^<html\b[^>]*\bdata-url="([^"]+)"', re.IGNORECASE)


def example_records(
    example: Example, parsed: ParsedPage
) -> tuple[list[PageRecord], etree._Element | None]:
    """The page records an example stands for, and the element it marks in ``parsed`` (the
    whole example file), or None for a page or site example."""
    element = example.element
    if tag_of(element) == "textarea" and element.get("data-site") is not None:
        pages = [html for html in _PAGE_START.split(element.text or "") if html.strip()]
        return [example_record(example, parse_html(_page_url(html), html)) for html in pages], None
    page = example_page(example)
    if page is not None:
        return [example_record(example, page)], None
    return [example_record(example, parsed)], same_element(element, parsed.root)


def _page_url(html: str) -> str:
    found = _DATA_URL.search(html)
    return found.group(1) if found else EXAMPLE_URL


def example_record(example: Example, parsed: ParsedPage) -> PageRecord:
    """One example page as the crawl and the browser would have recorded it."""
    attrs = example.element.attrib
    found = example_interactions(parsed)
    raw = tuple(i for i in found if RENDERED_ONLY not in i.tags)
    rendered = tuple(found) if len(raw) < len(found) else None
    requests = _number(attrs.get("data-request-count"))
    transfer = _number(attrs.get("data-transfer-bytes"))
    browser = None
    if rendered is not None or requests is not None or transfer is not None:
        browser = BrowserEvidence(requests, transfer, rendered)
    languages = tuple(c for c in (attrs.get("data-required-languages") or "").split() if c)
    return PageRecord(
        parsed=parsed,
        page=bare_page(parsed, attrs.get("data-final-url")),
        interactions=raw,
        settings=Settings(required_languages=languages),
        headers=example_headers(example) if attrs.get("data-headers") is not None else None,
        browser=browser,
    )


def _number(value: str | None) -> int | None:
    return int(value) if value else None


def example_page(example: Example) -> ParsedPage | None:
    """The whole page held by a ``<textarea data-page>`` example, parsed; else None."""
    element = example.element
    if tag_of(element) != "textarea" or element.get("data-page") is None:
        return None
    return parse_html(element.get("data-url") or EXAMPLE_URL, element.text or "")


def example_headers(example: Example) -> dict[str, str]:
    """Response headers given as ``data-header-<name>`` attributes."""
    prefix = "data-header-"
    return {
        str(name)[len(prefix) :]: value
        for name, value in example.element.attrib.items()
        if str(name).startswith(prefix)
    }


def same_element(element: etree._Element, root: etree._Element) -> etree._Element:
    """The element at the same place in ``root``'s tree (examples are parsed separately)."""
    if element.getroottree().getroot() is root:
        return element
    path = element.getroottree().getpath(element)
    found = root.getroottree().xpath(path)
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return element


_DOCUMENT_LINK = re.compile(r"\.(?:pdf|docx?|odt|rtf|xlsx?)(?:$|[?#])", re.IGNORECASE)


def example_interactions(parsed: ParsedPage) -> list[Interaction]:
    """Interactions an example page declares: every element with ``data-class`` (the class
    the classifier would give it), so exclusion and security examples test only their own
    logic. ``data-rendered-only`` marks one missing from the raw HTML (tag rendered-only)."""
    found: list[Interaction] = []
    for element in parsed.root.iter():
        if not isinstance(element.tag, str) or element.get("data-class") is None:
            continue
        klass = InteractionClass(element.get("data-class") or "information")
        tag = tag_of(element)
        target = element.get("action") or element.get("href") or element.get("src")
        if tag == "form":
            kind = Kind.FORM
        elif tag in {"iframe", "script"}:
            kind = Kind.EMBED
        elif target and target.lower().startswith(("mailto:", "tel:", "sms:")):
            kind = Kind.CONTACT
        elif target and _DOCUMENT_LINK.search(target):
            kind = Kind.DOCUMENT
        else:
            kind = Kind.LINK
        fields = tuple(
            Field(name=f.get("name"), label=f.get("name") or "", type=(f.get("type") or "text"))
            for f in element.iter("input", "select", "textarea")
        )
        selector = css_path(element)
        found.append(
            Interaction(
                id=f"example-{len(found)}",
                page=parsed.url,
                kind=kind,
                label=" ".join(element.text_content().split())[:80] or tag,
                selector=selector,
                target=parsed.absolute(target) if target else None,
                method=(element.get("method") or "get").lower() if tag == "form" else None,
                fields=fields,
                interaction_class=klass,
                mode=MODE_OF_CLASS[klass],
                tags=(RENDERED_ONLY,) if element.get("data-rendered-only") is not None else (),
            )
        )
    return found


def fires_on(target: etree._Element | None, findings: Sequence[Finding]) -> bool:
    """Whether an example fired: any finding at all for a whole-page example (no target),
    else a finding on the marked element or inside it."""
    if target is None:
        return bool(findings)
    selectors = {css_path(target)}
    selectors.update(css_path(d) for d in target.iterdescendants() if isinstance(d.tag, str))
    return any(f.selector in selectors for f in findings)
