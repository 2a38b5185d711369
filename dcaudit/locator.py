"""Element locators that do not move when unrelated content moves, and source lines.

A CSS path such as ``html > body > div:nth-of-type(3) > img:nth-of-type(2)`` changes when a
cookie banner is added above it or news items are reordered. A locator names the element
by what belongs to it, in this order, and by a position only when nothing else is left:

1. a stable, unique ``id`` (one that does not look generated: no long numbers or hashes);
2. a naming attribute: ``name``, ``aria-label``, ``title``, ``alt``, ``for``, ``href``,
   ``src``, ``action``, ``property``, ``http-equiv``, ``rel`` (addresses as URL templates);
3. a hash of the element's own text (its first 200 characters, spacing folded);
4. its classes;
5. ``:nth-of-type(n)`` among its siblings.

before it go up to two landmarks around it (``banner``, ``navigation``, ``main``,
``complementary``, ``contentinfo``, a form, a dialog, a labelled region) or the nearest
ancestor with a stable id, so intermediate wrappers do not count. A locator starting with
``banner`` or ``contentinfo`` is in the site's chrome (see :mod:`dcaudit.identity`).

:func:`locate_findings` resolves each finding's selector in the parsed page once, to set
its ``locator`` and ``line`` (the element's line in the HTML source, from the parser).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from cssselect import SelectorError
from lxml import etree

from dcaudit.css_match import PageIndex
from dcaudit.identity import CHROME, address_template, fallback_locator, normal_label
from dcaudit.models import Finding
from dcaudit.parse.document import ParsedPage

TEXT_HASHED = 200
ATTRIBUTE_LIMIT = 60
MAX_CONTEXT = 2
# libxml2 keeps line numbers in 16 bits: past 65535 it reports 65535, or a wrong small one
LINE_CAP = 65535
NAMING_ATTRIBUTES = (
    "name",
    "aria-label",
    "title",
    "alt",
    "for",
    "href",
    "src",
    "action",
    "property",
    "http-equiv",
    "rel",
)
URL_ATTRIBUTES = frozenset({"href", "src", "action"})
_LANDMARK_TAGS = {"nav": "navigation", "main": "main", "aside": "complementary", "form": "form"}
_LANDMARK_ROLES = frozenset(
    {"banner", "navigation", "main", "complementary", "contentinfo", "form", "search", "region"}
)
_SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})
_VOLATILE_ID = re.compile(
    r"\d{3,}|[0-9a-f]{8,}|^:|^(?:ember|yui|ext-gen|gwt-uid|mui-|react-|radix-|headlessui-)",
    re.IGNORECASE,
)
_STEP = re.compile(r"^([a-z][a-z0-9-]*)(?::nth-of-type\((\d+)\))?$")
_PLAIN_ID = re.compile(r"#[A-Za-z][\w-]*")
_SPACE = re.compile(r"\s+")


def source_line(element: etree._Element) -> int | None:
    line = element.sourceline
    return line if isinstance(line, int) and 0 < line < LINE_CAP else None


class PageLocator:
    """Locators and lines for elements of one parsed page (ids indexed once)."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        counts: Counter[str] = Counter()
        self._by_id: dict[str, etree._Element] = {}
        for element in root.iter():
            element_id = element.get("id") if isinstance(element.tag, str) else None
            if element_id:
                counts[element_id] += 1
                self._by_id.setdefault(element_id, element)
        self._ids = counts
        self._same: dict[tuple[etree._Element, str], list[etree._Element]] = {}
        self._index = PageIndex(root)

    def stable_id(self, element: etree._Element) -> str | None:
        element_id = (element.get("id") or "").strip()
        if not element_id or _VOLATILE_ID.search(element_id) or self._ids[element_id] != 1:
            return None
        return element_id

    def locator(self, element: etree._Element) -> str:
        """The element's locator: up to two landmarks (or an id) around it, then itself;
        ``banner`` or ``contentinfo`` first when it is in the site's header or footer."""
        own, anchored = self._own(element)
        parts = [own]
        chrome: str | None = None
        for ancestor in element.iterancestors():
            landmark = _landmark(ancestor)
            if landmark in CHROME:
                chrome = landmark
            if anchored or len(parts) > MAX_CONTEXT:
                continue
            context, anchored = self._context(ancestor, landmark)
            if context:
                parts.append(context)
        if chrome and not parts[-1].startswith(chrome):
            parts.append(chrome)
        return " ".join(reversed(parts))

    def _own(self, element: etree._Element) -> tuple[str, bool]:
        """The element's own part, and whether it is anchored (needs no context)."""
        tag = _tag(element)
        if tag in ("html", "head", "body", "title"):
            return tag, True
        element_id = self.stable_id(element)
        if element_id:
            return f"{tag}#{element_id}", True
        for attribute in NAMING_ATTRIBUTES:
            value = (element.get(attribute) or "").strip()
            if value:
                return f"{tag}[{attribute}={_attribute_value(attribute, value)}]", False
        text = _own_text(element)
        if text:
            return f"{tag}{{{_digest(text)}}}", False
        classes = sorted(set((element.get("class") or "").split()))
        if classes:
            return f"{tag}.{'.'.join(classes)[:ATTRIBUTE_LIMIT]}", False
        parent = element.getparent()
        same = [c for c in parent if c.tag == element.tag] if parent is not None else [element]
        if len(same) > 1:
            return f"{tag}:nth-of-type({same.index(element) + 1})", False
        return tag, False

    def _context(self, element: etree._Element, landmark: str | None) -> tuple[str | None, bool]:
        element_id = self.stable_id(element)
        if element_id:
            return f"{landmark or _tag(element)}#{element_id}", True
        if landmark is None:
            return None, False
        label = normal_label(element.get("aria-label") or element.get("name"))
        return (f"{landmark}[{label}]" if label else landmark), False

    def element(self, selector: str) -> etree._Element | None:
        """The element a finding's selector names, or None."""
        found = self._walk(selector)
        if found is not None:
            return found
        try:
            return self._index.first_of(selector)
        except (SelectorError, etree.XPathError, ValueError, AttributeError):
            return None

    def _walk(self, selector: str) -> etree._Element | None:
        """Fast path for ``dcaudit.checks.findings.css_path`` selectors: ``#id`` or ``html``
        then ``tag:nth-of-type(n)`` steps, followed child by child without XPath."""
        steps = [s.strip() for s in selector.split(">")]
        node: etree._Element | None
        if _PLAIN_ID.fullmatch(steps[0]) and self._ids[steps[0][1:]] == 1:
            node = self._by_id[steps[0][1:]]
        elif steps[0] == "html":
            node = self.root
        else:
            return None
        for step in steps[1:]:
            match = _STEP.match(step)
            if node is None or match is None:
                return None
            same = self._children(node, match[1])
            index = int(match[2] or 1) - 1
            node = same[index] if index < len(same) else None
        return node

    def _children(self, parent: etree._Element, tag: str) -> list[etree._Element]:
        """``parent``'s children named ``tag``, listed once per page (a list of thousands
        of items is walked once, not once per finding in it)."""
        key = (parent, tag)
        found = self._same.get(key)
        if found is None:
            found = self._same[key] = list(parent.iterchildren(tag))
        return found


def locate_findings(findings: Sequence[Finding], parsed: ParsedPage) -> list[Finding]:
    """``findings`` with ``locator`` and ``line`` set from the parsed page; a finding whose
    selector names no element gets its selector without positions, and no line. libxml2
    counts lines in 16 bits, so in a source of LINE_CAP lines or more no line is trusted."""
    page = PageLocator(parsed.root)
    lines = parsed.html.count("\n") < LINE_CAP - 1
    located: list[Finding] = []
    for finding in findings:
        if finding.locator is not None or not finding.selector:
            located.append(finding)
            continue
        element = page.element(finding.selector)
        if element is None:
            located.append(replace(finding, locator=fallback_locator(finding.selector)))
            continue
        line = source_line(element) if lines else None
        located.append(replace(finding, locator=page.locator(element), line=line))
    return located


def _tag(element: etree._Element) -> str:
    return str(element.tag).lower()


def _landmark(element: etree._Element) -> str | None:
    role = (element.get("role") or "").strip().lower().split()
    if role and role[0] in _LANDMARK_ROLES:
        return role[0]
    tag = _tag(element)
    if tag in ("header", "footer"):
        scoped = any(_tag(a) in _SECTIONING for a in element.iterancestors())
        if scoped:
            return None
        return "banner" if tag == "header" else "contentinfo"
    if tag == "section" and (element.get("aria-label") or element.get("aria-labelledby")):
        return "region"
    if tag == "dialog":
        return "dialog"
    return _LANDMARK_TAGS.get(tag)


def _attribute_value(attribute: str, value: str) -> str:
    if attribute in URL_ATTRIBUTES:
        if value.lower().startswith("data:"):
            return "data:" + _digest(value)
        return address_template(_absolute(value), "http://x/")[:ATTRIBUTE_LIMIT]
    return normal_label(value)[:ATTRIBUTE_LIMIT]


def _absolute(value: str) -> str:
    """An address with a scheme as it is; a relative one as written, on a placeholder host
    (so ``img/a.png`` is the same on every page that has it)."""
    if value.startswith("//"):
        return "http:" + value
    if ":" in value.split("/", 1)[0]:
        return value
    return "http://x" + (value if value.startswith("/") else "/" + value)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _own_text(element: etree._Element) -> str:
    """The element's text, spacing folded, cut at TEXT_HASHED characters; script and style
    inside it left out (a script's own source is its text)."""
    parts: list[str] = []
    _collect_text(element, parts)
    return _SPACE.sub(" ", "".join(parts)).strip()[:TEXT_HASHED]


def _collect_text(node: etree._Element, parts: list[str]) -> None:
    parts.append(node.text or "")
    for child in node:
        if isinstance(child.tag, str) and _tag(child) not in ("script", "style"):
            _collect_text(child, parts)
        parts.append(child.tail or "")
