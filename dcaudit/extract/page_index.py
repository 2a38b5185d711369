"""One pass over a parsed page that every extractor shares: document order, ids,
headings and ``<label for>`` targets, so no extractor re-walks or re-queries the tree."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from dcaudit.extract.document import ParsedPage

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# <header>/<footer> are site chrome only at page level, not inside these (HTML landmark rules)
_SECTIONING = frozenset({"article", "aside", "main", "section"})
_CHROME_ROLES = frozenset({"banner", "contentinfo", "navigation"})
_INDEX_KEY = "dcaudit.page_index"
_WITH_ID = etree.XPath("//*[@id != '']")
# one document pass per query: predicates, not unions of "//" paths
_HEADINGS = etree.XPath(
    "//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6 or @role='heading']"
)
_LABELS = etree.XPath("//label[@for != '']")
_FORM_OWNED = etree.XPath(
    "//*[@form != ''][self::input or self::select or self::textarea or self::button]"
)
_LANDMARKS = etree.XPath("//*[self::nav or self::header or self::footer or @role]")


@dataclass
class PageIndex:
    order: dict[lxml.html.HtmlElement, int] = field(default_factory=dict)
    id_counts: Counter[str] = field(default_factory=Counter)
    by_id: dict[str, lxml.html.HtmlElement] = field(default_factory=dict)
    heading_positions: list[int] = field(default_factory=list)
    headings: list[lxml.html.HtmlElement] = field(default_factory=list)
    labels_for: dict[str, list[lxml.html.HtmlElement]] = field(default_factory=dict)
    controls_with_form_attr: dict[str, list[lxml.html.HtmlElement]] = field(default_factory=dict)
    chrome: set[lxml.html.HtmlElement] = field(default_factory=set)  # header/footer/nav landmarks

    def is_unique_id(self, value: str | None) -> bool:
        return bool(value) and self.id_counts[value or ""] == 1

    def preceding_heading(
        self, element: lxml.html.HtmlElement, within: lxml.html.HtmlElement | None = None
    ) -> lxml.html.HtmlElement | None:
        """The last h1-h6 before ``element`` in document order (inside ``within`` if given)."""
        position = self.order.get(element)
        if position is None:
            return None
        i = bisect_left(self.heading_positions, position) - 1
        if i < 0:
            return None
        heading = self.headings[i]
        # every position between ``within`` and ``element`` lies inside ``within``
        if within is not None and not _is_inside(heading, within):
            return None
        return heading

    def first_heading_inside(self, element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
        start = self.order.get(element)
        if start is None:
            return None
        i = bisect_left(self.heading_positions, start)
        if i < len(self.headings) and _is_inside(self.headings[i], element):
            return self.headings[i]
        return None


def _is_inside(element: lxml.html.HtmlElement, container: lxml.html.HtmlElement) -> bool:
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        if node is container:
            return True
        node = node.getparent()
    return False


def elements(query: etree.XPath, root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The elements an XPath query selects (its result typed for the checker)."""
    result = query(root)
    if not isinstance(result, list):
        return []
    return [node for node in result if isinstance(node, lxml.html.HtmlElement)]


def page_index(parsed: ParsedPage) -> PageIndex:
    """Build (once per page) and cache the index. The walk over every element is a single
    dict comprehension; the few elements of interest come from XPath queries (C speed)."""
    cached = parsed._cache.get(_INDEX_KEY)
    if isinstance(cached, PageIndex):
        return cached
    root = parsed.root
    index = PageIndex(order={element: i for i, element in enumerate(root.iter(etree.Element))})
    for element in elements(_WITH_ID, root):
        element_id = element.get("id") or ""
        index.id_counts[element_id] += 1
        index.by_id.setdefault(element_id, element)
    index.headings = sorted(elements(_HEADINGS, root), key=index.order.__getitem__)
    index.heading_positions = [index.order[h] for h in index.headings]
    for label in elements(_LABELS, root):
        index.labels_for.setdefault(label.get("for") or "", []).append(label)
    for control in elements(_FORM_OWNED, root):
        index.controls_with_form_attr.setdefault(control.get("form") or "", []).append(control)
    index.chrome = {e for e in elements(_LANDMARKS, root) if _is_chrome_landmark(e, str(e.tag))}
    parsed._cache[_INDEX_KEY] = index
    return index


def _is_chrome_landmark(element: lxml.html.HtmlElement, tag: str) -> bool:
    if tag == "nav" or (element.get("role") or "").strip().lower() in _CHROME_ROLES:
        return True
    return tag in {"header", "footer"} and not _in_sectioning(element)


def chrome_landmark(
    element: lxml.html.HtmlElement, index: PageIndex
) -> lxml.html.HtmlElement | None:
    """The outermost header, footer or nav landmark (site chrome) holding ``element``."""
    if not index.chrome:
        return None
    landmark = None
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        if node in index.chrome:
            landmark = node
        node = node.getparent()
    return landmark


def _in_sectioning(element: lxml.html.HtmlElement) -> bool:
    node = element.getparent()
    while node is not None:
        if node.tag in _SECTIONING:
            return True
        node = node.getparent()
    return False
