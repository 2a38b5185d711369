"""Roles, visibility, focus and accessible names computed from static HTML.

A small version of what browsers (and axe-core) do with the accessibility tree, enough for
the static checks to agree with axe on name-related rules. It reads inline ``style`` only:
stylesheets and scripts need the browser pass. One :class:`A11yTree` per page caches
every answer, so each element is examined once whatever the number of rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import lxml.html
from lxml import etree

_WS = re.compile(r"\s+")
_DISPLAY_NONE = re.compile(r"(?:^|;)\s*display\s*:\s*none\b", re.IGNORECASE)
_VIS_HIDDEN = re.compile(r"(?:^|;)\s*visibility\s*:\s*(?:hidden|collapse)\b", re.IGNORECASE)
_NEVER_RENDERED = frozenset({"head", "script", "style", "template", "noscript", "meta", "link"})
# Inline elements whose text joins its neighbours without a space in a computed name.
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "kbd",
        "label",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    }
)
_TEXT_INPUTS = frozenset({"", "text", "email", "tel", "url", "search", "password", "number"})
_BUTTON_INPUTS = frozenset({"button", "submit", "reset", "image"})
_DEFAULT_BUTTON_NAMES = {"submit": "Submit", "reset": "Reset"}
_PRESENTATIONAL = frozenset({"none", "presentation"})
_WITH_ID = etree.XPath("//*[@id and @id != '']")
_LABELS_WITH_FOR = etree.XPath("//label[@for and @for != '']")
# Elements a <label> can be associated with (HTML "labelable elements").
_LABELABLE = frozenset({"button", "input", "meter", "output", "progress", "select", "textarea"})


@dataclass(frozen=True)
class AriaVocabulary:
    """ARIA data from the static-a11y pack: valid roles, attributes, name-from-content roles."""

    roles: frozenset[str]
    abstract_roles: frozenset[str]
    attributes: frozenset[str]
    name_from_content: frozenset[str]
    global_attributes: frozenset[str]

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> AriaVocabulary:
        def words(key: str) -> frozenset[str]:
            value = data.get(key, [])
            if not isinstance(value, list):
                raise ValueError(f"'{key}' must be a list")
            return frozenset(str(v).lower() for v in value)

        return cls(
            roles=words("roles"),
            abstract_roles=words("abstract_roles"),
            attributes=words("attributes"),
            name_from_content=words("name_from_content"),
            global_attributes=words("global_attributes"),
        )


def collapse(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def text_of(element: etree._Element) -> str:
    """All text inside an element (typed; lxml's text_content is only on HtmlElement)."""
    return "".join(t for t in element.itertext() if isinstance(t, str))


def tag_of(element: etree._Element) -> str:
    """Lower-case local tag name; '' for comments and processing instructions."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    if "}" in tag:
        tag = tag.rsplit("}", 1)[-1]
    return tag.lower()


class A11yTree:
    """Per-page answers about elements: role, hidden, focusable, accessible name."""

    def __init__(self, root: lxml.html.HtmlElement, vocab: AriaVocabulary) -> None:
        self.root = root
        self.vocab = vocab
        self._by_id: dict[str, list[etree._Element]] = {}
        self._labels_for: dict[str, list[etree._Element]] = {}
        for element in xpath_elements(_WITH_ID, root):
            self._by_id.setdefault(element.get("id") or "", []).append(element)
        for label in xpath_elements(_LABELS_WITH_FOR, root):
            self._labels_for.setdefault(label.get("for") or "", []).append(label)
        self._hidden: dict[etree._Element, bool] = {}
        self._names: dict[etree._Element, str] = {}

    # --- lookups -----------------------------------------------------------------
    def by_id(self, element_id: str) -> etree._Element | None:
        found = self._by_id.get(element_id)
        return found[0] if found else None

    @property
    def ids(self) -> Mapping[str, list[etree._Element]]:
        return self._by_id

    def labels_of(self, element: etree._Element) -> list[etree._Element]:
        """Explicit labels (label[for=id]) then the wrapping label, as browsers associate them."""
        labels: list[etree._Element] = []
        if tag_of(element) not in _LABELABLE:
            return labels
        element_id = element.get("id")
        if element_id:
            labels.extend(self._labels_for.get(element_id, []))
        for ancestor in element.iterancestors():
            if tag_of(ancestor) == "label":
                # A wrapping label with for= pointing elsewhere labels that element instead.
                target = ancestor.get("for")
                if target is None or target == element_id:
                    labels.append(ancestor)
                break
        return labels

    # --- visibility --------------------------------------------------------------
    def is_hidden(self, element: etree._Element) -> bool:
        """Not rendered or removed from the accessibility tree (by it or an ancestor)."""
        cached = self._hidden.get(element)
        if cached is not None:
            return cached
        hidden = self._hides_itself(element)
        if not hidden:
            parent = element.getparent()
            hidden = parent is not None and self.is_hidden(parent)
        self._hidden[element] = hidden
        return hidden

    def _hides_itself(self, element: etree._Element) -> bool:
        tag = tag_of(element)
        if tag in _NEVER_RENDERED or element.get("hidden") is not None:
            return True
        if tag == "input" and (element.get("type") or "").strip().lower() == "hidden":
            return True
        if (element.get("aria-hidden") or "").strip().lower() == "true":
            return True
        return self.style_hides(element)

    @staticmethod
    def style_hides(element: etree._Element) -> bool:
        style = element.get("style") or ""
        return bool(_DISPLAY_NONE.search(style) or _VIS_HIDDEN.search(style))

    def is_rendered_hidden(self, element: etree._Element) -> bool:
        """Hidden from everyone (display/visibility/hidden), ignoring aria-hidden."""
        for node in (element, *element.iterancestors()):
            tag = tag_of(node)
            if tag in _NEVER_RENDERED or node.get("hidden") is not None or self.style_hides(node):
                return True
        return False

    # --- focus -------------------------------------------------------------------
    def tabindex(self, element: etree._Element) -> int | None:
        raw = (element.get("tabindex") or "").strip()
        if re.fullmatch(r"[+-]?\d+", raw):
            return int(raw)
        return None

    def is_focusable(self, element: etree._Element) -> bool:
        if self.is_disabled(element):
            return False
        if self.tabindex(element) is not None:
            return True
        tag = tag_of(element)
        if tag in {"a", "area"}:
            return element.get("href") is not None
        if tag in {"button", "select", "textarea", "iframe"}:
            return True
        if tag == "input":
            return (element.get("type") or "").strip().lower() != "hidden"
        if tag in {"audio", "video"}:
            return element.get("controls") is not None
        if tag == "summary":
            parent = element.getparent()
            return parent is not None and tag_of(parent) == "details"
        editable = element.get("contenteditable")
        return editable is not None and editable.strip().lower() in {"", "true", "plaintext-only"}

    def is_tabbable(self, element: etree._Element) -> bool:
        index = self.tabindex(element)
        return self.is_focusable(element) and (index is None or index >= 0)

    @staticmethod
    def is_disabled(element: etree._Element) -> bool:
        tag = tag_of(element)
        if tag in {"button", "input", "select", "textarea", "optgroup", "option", "fieldset"}:
            if element.get("disabled") is not None:
                return True
            for ancestor in element.iterancestors():
                if tag_of(ancestor) == "fieldset" and ancestor.get("disabled") is not None:
                    return True
        return False

    # --- roles -------------------------------------------------------------------
    def explicit_role(self, element: etree._Element) -> str | None:
        """First role token the vocabulary knows (browsers skip unknown tokens)."""
        for token in (element.get("role") or "").lower().split():
            if token in self.vocab.roles:
                return token
        return None

    def role(self, element: etree._Element) -> str | None:
        explicit = self.explicit_role(element)
        if explicit in _PRESENTATIONAL and self._presentation_conflict(element):
            explicit = None
        return explicit or self.implicit_role(element)

    def is_presentational(self, element: etree._Element) -> bool:
        return self.role(element) in _PRESENTATIONAL

    def _presentation_conflict(self, element: etree._Element) -> bool:
        """Focusable elements and those with global ARIA attributes keep their own role."""
        if self.is_focusable(element):
            return True
        return any(
            str(name).lower() in self.vocab.global_attributes and name != "aria-hidden"
            for name in element.attrib
        )

    def implicit_role(self, element: etree._Element) -> str | None:
        tag = tag_of(element)
        if tag in {"a", "area"}:
            return "link" if element.get("href") is not None else None
        if tag == "img":
            alt = element.get("alt")
            if alt is not None and alt == "" and not self._presentation_conflict(element):
                return "presentation"
            return "img"
        if tag == "input":
            kind = (element.get("type") or "").strip().lower()
            if kind in _BUTTON_INPUTS:
                return "button"
            if kind in {"checkbox", "radio"}:
                return kind
            if kind == "range":
                return "slider"
            if kind == "number":
                return "spinbutton"
            if kind == "hidden":
                return None
            return "searchbox" if kind == "search" else "textbox"
        simple = {
            "button": "button",
            "textarea": "textbox",
            "select": "combobox",
            "h1": "heading",
            "h2": "heading",
            "h3": "heading",
            "h4": "heading",
            "h5": "heading",
            "h6": "heading",
            "ul": "list",
            "ol": "list",
            "li": "listitem",
            "nav": "navigation",
            "main": "main",
            "aside": "complementary",
            "table": "table",
            "td": "cell",
            "th": "columnheader",
            "tr": "row",
            "dialog": "dialog",
            "fieldset": "group",
            "figure": "figure",
            "form": "form",
            "article": "article",
            "option": "option",
        }
        return simple.get(tag)

    # --- accessible names --------------------------------------------------------
    def name(self, element: etree._Element) -> str:
        """The accessible name (accname 1.2, simplified), whitespace collapsed."""
        cached = self._names.get(element)
        if cached is None:
            cached = collapse(self._name(element, visited=set(), in_reference=False, root=True))
            self._names[element] = cached
        return cached

    def _name(
        self, element: etree._Element, visited: set[int], in_reference: bool, root: bool
    ) -> str:
        if id(element) in visited:
            return ""
        visited.add(id(element))
        if not in_reference and not root and self.is_hidden(element):
            return ""
        # 1. aria-labelledby (not followed again from inside a reference)
        if root or not in_reference:
            labelledby = self._from_labelledby(element, visited)
            if labelledby:
                return labelledby
        # 2. aria-label
        label = collapse(element.get("aria-label"))
        if label:
            return label
        # 3. the host language's own label (ignored on presentational elements)
        presentational = self.is_presentational(element)
        native = "" if presentational else self._native_name(element, visited)
        if native:
            return native
        # 4. name from content
        role = self.role(element)
        if not root or (role is not None and role in self.vocab.name_from_content):
            content = collapse(self._content(element, visited, in_reference))
            if content:
                return content
        # 5. tooltip
        return collapse(element.get("title"))

    def _from_labelledby(self, element: etree._Element, visited: set[int]) -> str:
        refs = (element.get("aria-labelledby") or "").split()
        parts = []
        for ref in refs:
            target = self.by_id(ref)
            if target is not None:
                parts.append(collapse(self._name(target, visited, in_reference=True, root=False)))
        return collapse(" ".join(parts))

    def _native_name(self, element: etree._Element, visited: set[int]) -> str:
        tag = tag_of(element)
        if tag == "input":
            kind = (element.get("type") or "").strip().lower()
            if kind in {"button", "submit", "reset"}:
                value = element.get("value")
                if value is not None:
                    return collapse(value)
                return _DEFAULT_BUTTON_NAMES.get(kind, "")
            if kind == "image":
                return collapse(element.get("alt"))
        if tag in {"input", "select", "textarea", "button", "meter", "progress", "output"}:
            labels = self.labels_of(element)
            text = collapse(" ".join(self._label_text(lab, element, visited) for lab in labels))
            if text:
                return text
            if tag in {"input", "textarea"}:
                title = collapse(element.get("title"))
                return title or collapse(element.get("placeholder"))
            return ""
        if tag in {"img", "area"}:
            return collapse(element.get("alt"))
        if tag in {"fieldset", "table", "figure"}:
            caption_tag = {"fieldset": "legend", "table": "caption", "figure": "figcaption"}[tag]
            for child in element:
                if tag_of(child) == caption_tag:
                    return collapse(self._content(child, visited, False))
            return ""
        if tag in {"iframe", "frame"}:
            return collapse(element.get("title"))
        if tag == "svg" or any(tag_of(a) == "svg" for a in element.iterancestors()):
            for child in element:
                if tag_of(child) == "title":
                    return collapse(text_of(child))
        return ""

    def _label_text(self, label: etree._Element, control: etree._Element, visited: set[int]) -> str:
        # The control itself is skipped: its value is not part of its own name.
        visited.add(id(control))
        return self._content(label, visited, in_reference=True)

    def _content(self, element: etree._Element, visited: set[int], in_reference: bool) -> str:
        parts: list[str] = [element.text or ""] if tag_of(element) not in _NEVER_RENDERED else []
        for child in element:
            if isinstance(child.tag, str):
                hidden = self.is_hidden(child) if not in_reference else self._hides_itself(child)
                if not hidden and id(child) not in visited:
                    child_tag = tag_of(child)
                    text = self._embedded_value(child) or self._name(
                        child, visited, in_reference, root=False
                    )
                    separator = "" if child_tag in _INLINE else " "
                    parts.append(f"{separator}{text}{separator}")
            parts.append(child.tail or "")
        return "".join(parts)

    @staticmethod
    def _embedded_value(element: etree._Element) -> str:
        """A form control inside a name contributes its value (accname step 2E)."""
        tag = tag_of(element)
        if tag == "input":
            kind = (element.get("type") or "").strip().lower()
            if kind in _TEXT_INPUTS:
                return collapse(element.get("value"))
        if tag == "select":
            for option in element.iter("option"):
                if option.get("selected") is not None:
                    return collapse(text_of(option))
        return ""


def xpath_elements(xpath: etree.XPath, root: etree._Element) -> list[etree._Element]:
    """The elements an XPath selects (lxml types its result as a union of everything)."""
    result = xpath(root)
    if not isinstance(result, list):
        return []
    return [node for node in result if isinstance(node, etree._Element)]


def iter_elements(root: etree._Element) -> Iterator[etree._Element]:
    """Elements only (no comments or processing instructions)."""
    for element in root.iter():
        if isinstance(element.tag, str):
            yield element
