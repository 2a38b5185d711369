"""Accessible names, nearby headings and context text for extracted elements.

The accessible name follows the order a screen reader uses (a simplified accname):
aria-labelledby, aria-label, the native label (``<label>``, ``<legend>``, ``alt``, link or
button text), then ``title`` and ``placeholder``. All page text is untrusted: it is
whitespace-collapsed, stripped of control characters and capped in length.
"""

from __future__ import annotations

import lxml.html

from dcaudit.engine.text import clean
from dcaudit.extract.page_index import PageIndex

LABEL_LIMIT = 200
CONTEXT_LIMIT = 300
_SKIP_TEXT = frozenset({"script", "style", "noscript", "template", "head", "select", "datalist"})
# context never climbs past these: a <section> is "the enclosing section"
_STOP = frozenset({"main", "article", "section", "body", "header", "footer", "nav", "aside"})
# the smallest blocks whose text is "the paragraph" around a link
_PARAGRAPHS = frozenset({"p", "li", "dd", "dt", "td", "th", "address", "blockquote", "figcaption"})
_MIN_CONTEXT_GAIN = 40
_INTRO = 200  # characters kept before a long element


def is_hidden(element: lxml.html.HtmlElement) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def element_text(element: lxml.html.HtmlElement) -> str:
    """Text a reader meets inside ``element``: visible text plus image alternatives."""
    parts: list[str] = []
    _collect(element, parts, top=True)
    return clean(" ".join(parts))


def _collect(element: lxml.html.HtmlElement, parts: list[str], top: bool = False) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag and not top and (tag in _SKIP_TEXT or is_hidden(element)):
        if element.tail:
            parts.append(element.tail)
        return
    if tag == "img" or (tag == "input" and element.get("type", "").lower() == "image"):
        parts.append(element.get("alt") or "")
    elif tag == "input" and element.get("type", "").lower() in {"submit", "button", "reset"}:
        parts.append(element.get("value") or "")
    if tag and element.text:
        parts.append(element.text)
    for child in element:
        _collect(child, parts)
    if not top and element.tail:
        parts.append(element.tail)


def _labelledby(element: lxml.html.HtmlElement, index: PageIndex) -> str:
    ids = (element.get("aria-labelledby") or "").split()
    texts = [element_text(index.by_id[i]) for i in ids if i in index.by_id]
    return clean(" ".join(t for t in texts if t))


def accessible_name(element: lxml.html.HtmlElement, index: PageIndex) -> str:
    """The name a screen reader would announce for a control, link, frame or group."""
    name = _labelledby(element, index) or clean(element.get("aria-label"))
    if name:
        return clean(name, LABEL_LIMIT)
    tag = element.tag
    if tag in {"input", "select", "textarea"}:
        kind = (element.get("type") or "").lower()
        if kind in {"submit", "button", "reset"}:
            name = clean(element.get("value"))
        elif kind == "image":
            name = clean(element.get("alt"))
        else:
            name = _native_label(element, index)
    elif tag == "fieldset":
        legend = element.find("legend")
        name = element_text(legend) if legend is not None else ""
    elif tag in {"a", "area", "button", "summary", "label", "legend", "option"}:
        name = element_text(element) if tag != "area" else clean(element.get("alt"))
    elif tag == "img":
        name = clean(element.get("alt"))
    name = name or clean(element.get("title")) or clean(element.get("placeholder"))
    return clean(name, LABEL_LIMIT)


def _native_label(control: lxml.html.HtmlElement, index: PageIndex) -> str:
    control_id = control.get("id")
    texts = []
    if control_id:
        texts = [element_text(label) for label in index.labels_for.get(control_id, [])]
    if not any(texts):
        wrapper = control.getparent()
        while wrapper is not None and wrapper.tag not in {"label", "form", "body"}:
            wrapper = wrapper.getparent()
        if wrapper is not None and wrapper.tag == "label":
            texts = [element_text(wrapper)]
    return clean(" ".join(t for t in texts if t))


def group_label(control: lxml.html.HtmlElement, index: PageIndex) -> str:
    """Label of a radio or checkbox group: its fieldset legend or role=group name."""
    node = control.getparent()
    while node is not None and node.tag not in {"form", "body"}:
        if node.tag == "fieldset" or node.get("role") in {"radiogroup", "group"}:
            name = accessible_name(node, index)
            if name:
                return name
        node = node.getparent()
    return ""


def heading_text(element: lxml.html.HtmlElement | None) -> str | None:
    if element is None:
        return None
    return clean(element_text(element), LABEL_LIMIT) or None


def context_text(element: lxml.html.HtmlElement, own_text: str = "") -> str:
    """Text of the enclosing paragraph, or of the heading-delimited section around it, about
    300 characters centred on the element. Sections stop at headings so that text about a
    neighbouring interaction does not leak in."""
    own = own_text or element_text(element)
    node = element
    while node.getparent() is not None and node.tag not in _PARAGRAPHS:
        if node.getparent().tag in _STOP:
            break
        node = node.getparent()
    if node.tag not in _PARAGRAPHS:
        node = element
    text = element_text(node) if node is not element else own
    while len(text) - len(own) < _MIN_CONTEXT_GAIN and node.tag not in _STOP:
        parent = node.getparent()
        if parent is None or parent.tag in {"body", "html"}:
            break  # a page-wide wrapper is not "the enclosing section"
        text = _section_text(node, parent)
        node = parent
    return _window(text, own)


def _section_text(child: lxml.html.HtmlElement, parent: lxml.html.HtmlElement) -> str:
    """Text of ``child`` and its siblings between the heading before it and the next heading,
    read outwards from ``child`` only as far as the context window needs."""
    siblings = [c for c in parent if isinstance(c.tag, str)]
    position = siblings.index(child) if child in siblings else 0
    before: list[str] = []
    size = 0
    for sibling in reversed(siblings[:position]):
        text = element_text(sibling)
        before.append(text)
        size += len(text)
        if _is_heading(sibling) or size >= CONTEXT_LIMIT:
            break
    after: list[str] = []
    size = 0
    for sibling in siblings[position + 1 :]:
        if _is_heading(sibling) or size >= CONTEXT_LIMIT:
            break
        text = element_text(sibling)
        after.append(text)
        size += len(text)
    parts = [*reversed(before), element_text(child), *after]
    return clean(" ".join(p for p in parts if p))


def _is_heading(element: lxml.html.HtmlElement) -> bool:
    return element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"} or element.get("role") == "heading"


def _window(text: str, own: str) -> str:
    if len(text) <= CONTEXT_LIMIT:
        return text
    start = text.find(own[:60]) if own else -1
    start = max(start, 0)
    # centre the window on a short element; for a long one (a form) keep the text that
    # introduces it, which says what it is for
    lead = (CONTEXT_LIMIT - len(own)) // 2 if len(own) < CONTEXT_LIMIT // 3 else _INTRO
    begin = max(0, min(start - lead, len(text) - CONTEXT_LIMIT))
    return clean(text[begin : begin + CONTEXT_LIMIT])
