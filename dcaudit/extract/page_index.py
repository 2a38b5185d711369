"""What every extractor needs to know about a page, gathered once: ids, headings in
document order, ``<label for>`` targets, controls owned through ``form=`` and the site-chrome
landmarks. Lookups use lxml's C-level tag iteration and simple XPath queries, and document
positions are computed only for the elements that need one, so a page with thousands of
elements costs little more than a small one."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from dcaudit.parse.document import ParsedPage

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# <header>/<footer> are site chrome only at page level, not inside these (HTML landmark rules)
_SECTIONING = frozenset({"article", "aside", "main", "section"})
_CHROME_ROLES = frozenset({"banner", "contentinfo", "navigation"})
_INDEX_KEY = "dcaudit.page_index"
_WITH_ID = etree.XPath("//*[@id]")
_ROLE_HEADINGS = etree.XPath("//*[@role='heading']")
_LABELS = etree.XPath("//label[@for]")
_FORM_OWNED = etree.XPath("//*[@form]")
_WITH_ROLE = etree.XPath("//*[@role]")
_CONTROLS = frozenset({"input", "select", "textarea", "button"})
# the number of elements before this one in document order
_POSITION = etree.XPath("count(preceding::*) + count(ancestor::*)")


@dataclass
class PageIndex:
    positions: dict[lxml.html.HtmlElement, int] = field(default_factory=dict)
    id_counts: Counter[str] = field(default_factory=Counter)
    by_id: dict[str, lxml.html.HtmlElement] = field(default_factory=dict)
    heading_positions: list[int] = field(default_factory=list)
    headings: list[lxml.html.HtmlElement] = field(default_factory=list)
    labels_for: dict[str, list[lxml.html.HtmlElement]] = field(default_factory=dict)
    controls_with_form_attr: dict[str, list[lxml.html.HtmlElement]] = field(default_factory=dict)
    chrome: set[lxml.html.HtmlElement] = field(default_factory=set)  # header/footer/nav landmarks

    def is_unique_id(self, value: str | None) -> bool:
        return bool(value) and self.id_counts[value or ""] == 1

    def position(self, element: lxml.html.HtmlElement) -> int:
        """Document-order position of ``element`` (computed on first use)."""
        found = self.positions.get(element)
        if found is None:
            value = _POSITION(element)
            found = int(value) if isinstance(value, float) else 0
            self.positions[element] = found
        return found

    def preceding_heading(
        self, element: lxml.html.HtmlElement, within: lxml.html.HtmlElement | None = None
    ) -> lxml.html.HtmlElement | None:
        """The last h1-h6 before ``element`` in document order (inside ``within`` if given)."""
        i = bisect_left(self.heading_positions, self.position(element)) - 1
        if i < 0:
            return None
        heading = self.headings[i]
        # every position between ``within`` and ``element`` lies inside ``within``
        if within is not None and not _is_inside(heading, within):
            return None
        return heading

    def first_heading_inside(self, element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
        i = bisect_left(self.heading_positions, self.position(element))
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
    """Build (once per page) and cache the index."""
    cached = parsed._cache.get(_INDEX_KEY)
    if isinstance(cached, PageIndex):
        return cached
    root = parsed.root
    index = PageIndex()
    for element in elements(_WITH_ID, root):
        element_id = element.get("id") or ""
        if element_id:
            index.id_counts[element_id] += 1
            index.by_id.setdefault(element_id, element)
    headings = set(root.iter(*HEADING_TAGS)) | set(elements(_ROLE_HEADINGS, root))
    index.headings = sorted(headings, key=index.position)
    index.heading_positions = [index.position(h) for h in index.headings]
    for label in elements(_LABELS, root):
        if label.get("for"):
            index.labels_for.setdefault(label.get("for") or "", []).append(label)
    for control in elements(_FORM_OWNED, root):
        if control.tag in _CONTROLS and control.get("form"):
            index.controls_with_form_attr.setdefault(control.get("form") or "", []).append(control)
    landmarks = {*root.iter("nav", "header", "footer"), *elements(_WITH_ROLE, root)}
    index.chrome = {e for e in landmarks if _is_chrome_landmark(e, str(e.tag))}
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
