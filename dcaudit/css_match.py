"""The first element a CSS selector names in a parsed page, for the selectors axe-core and
dcaudit write, without an XPath query over the whole page for each one.

lxml's ``cssselect`` turns a selector into XPath that tests every element of the page
(``descendant-or-self::*[...]``): about a millisecond on a real page, thousands of times a
run (once per axe finding, once per interaction). Those selectors use a small part of CSS:
tags, ``#id``, ``.class``, attribute tests, ``:nth-child(n)`` and ``:nth-of-type(n)``,
joined by ``>`` or a space. Here the search starts from the step with the fewest
candidates in an index of the page (by id, attribute value, class or tag, each built once
per page): the steps before it are checked up each candidate's ancestors, the steps after
it found among its children. The answer is the one ``cssselect`` with lxml's HTML
translator gives (the first match in document order), test for test, with its whitespace
and case rules; :func:`compile_selector` returns None for anything outside that part of
CSS, which is left to ``cssselect``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from cssselect import SelectorError, parse
from cssselect.parser import (
    Attrib,
    Class,
    CombinedSelector,
    Element,
    Function,
    Hash,
    Tree,
    parse_series,
)
from lxml import etree

_SAFE_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.-]*$")  # cssselect's XPath-safe names
_XPATH_SPACE = re.compile(r"[ \t\r\n]+")  # what XPath's normalize-space() folds
_CSS_SPACE = re.compile(r"[ \t\r\n\f]")  # a class value holding one never matches
Test = Callable[[str | None, str], bool]  # (the attribute's value or None, the wanted value)


class _Unsupported(Exception):
    pass


def _tokens(value: str) -> list[str]:
    return _XPATH_SPACE.split(value.strip(" \t\r\n"))


def _includes(have: str | None, want: str) -> bool:
    return have is not None and want in _tokens(have)


_TESTS: dict[str, Test] = {
    "exists": lambda have, want: have is not None,
    "=": lambda have, want: have == want,
    "~=": _includes,
    "|=": lambda have, want: have is not None and (have == want or have.startswith(want + "-")),
    "^=": lambda have, want: have is not None and have.startswith(want),
    "$=": lambda have, want: have is not None and have.endswith(want),
    "*=": lambda have, want: have is not None and want in have,
}
_NEED_VALUE = frozenset({"~=", "^=", "$=", "*="})  # with an empty value: never a match
_NTH = ("nth-child", "nth-of-type")


@dataclass(frozen=True)
class _Compound:
    """One step of a selector: everything an element must have."""

    tag: str | None = None
    ids: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    attributes: tuple[tuple[str, Test, str], ...] = ()
    position: int | None = None  # :nth-child(n): n - 1 element siblings before it
    type_position: int | None = None  # :nth-of-type(n): n - 1 of its own tag before it

    def matches(self, element: etree._Element, index: PageIndex) -> bool:
        """Whether ``element`` has it all."""
        if self.tag is not None and element.tag != self.tag:
            return False
        if not isinstance(element.tag, str):
            return False  # comments and processing instructions are not elements
        get = element.get
        if any(get("id") != wanted for wanted in self.ids):
            return False
        if any(not test(get(name), value) for name, test, value in self.attributes):
            return False
        if self.classes and not index.has_classes(element, self.classes):
            return False
        if self.position is not None and index.position(element) != self.position:
            return False
        return self.type_position is None or index.type_position(element) == self.type_position


@dataclass(frozen=True)
class CompiledSelector:
    """Compounds from the last (the element named) to the first, and the combinator that
    joins each to the one before it."""

    steps: tuple[_Compound, ...]
    combinators: tuple[str, ...]  # combinators[i] joins steps[i + 1] (left) to steps[i]


@lru_cache(maxsize=8192)
def compile_selector(selector: str) -> CompiledSelector | None:
    """The selector in the subset, or None when cssselect must decide. Read by a short
    scanner when it is made only of ASCII names, plain strings and the steps above (as
    axe-core's are), else by cssselect's parser; the two read it the same."""
    try:
        return _scan(selector)
    except _NotPlain:
        return _parsed(selector)
    except _Unsupported:
        return None


def _parsed(selector: str) -> CompiledSelector | None:
    """The selector as cssselect's parser reads it."""
    try:
        parsed = parse(selector)
    except SelectorError:
        return None
    if len(parsed) != 1 or parsed[0].pseudo_element is not None:
        return None
    steps: list[_Compound] = []
    combinators: list[str] = []
    tree: Tree = parsed[0].parsed_tree
    try:
        while isinstance(tree, CombinedSelector):
            if tree.combinator not in (">", " "):
                return None
            steps.append(_compound(tree.subselector))
            combinators.append(tree.combinator)
            tree = tree.selector
        steps.append(_compound(tree))
    except _Unsupported:
        return None
    return CompiledSelector(tuple(steps), tuple(combinators))


def _compound(tree: Tree) -> _Compound:
    parts: list[tuple[str, str, str | None]] = []  # (what, name, value), last part first
    while not isinstance(tree, Element):
        if isinstance(tree, Hash):
            parts.append(("#", tree.id, None))
        elif isinstance(tree, Class):
            parts.append((".", tree.class_name, None))
        elif isinstance(tree, Attrib):
            if tree.namespace is not None or tree.flag is not None:
                raise _Unsupported
            value = None if tree.value is None else str(tree.value.value)
            parts.append((tree.operator, tree.attrib, value))
        elif isinstance(tree, Function) and tree.name in _NTH:
            try:
                a, b = parse_series(tree.arguments)
            except ValueError as exc:
                raise _Unsupported from exc
            if a != 0:
                raise _Unsupported
            parts.append((":", tree.name, str(b)))
        else:
            raise _Unsupported
        tree = tree.selector
    if tree.namespace is not None:
        raise _Unsupported
    return _build(tree.element, parts[::-1])


def _build(tag: str | None, parts: list[tuple[str, str, str | None]]) -> _Compound:
    """One step from its tag and its parts in the order written."""
    ids: list[str] = []
    classes: list[str] = []
    attributes: list[tuple[str, Test, str]] = []
    positions: dict[str, int] = {}
    for what, name, value in parts:
        if what == "#":
            ids.append(name)
        elif what == ".":
            if not name or _CSS_SPACE.search(name):
                raise _Unsupported
            classes.append(name)
        elif what == ":":
            if name in positions or int(value or 0) < 1:
                raise _Unsupported
            positions[name] = int(value or 0) - 1
        else:
            attributes.append(_attribute(what, name, value))
    if tag is not None and not _SAFE_NAME.match(tag):
        raise _Unsupported
    if tag is None and "nth-of-type" in positions:
        raise _Unsupported  # cssselect refuses *:nth-of-type()
    return _Compound(
        tag.lower() if tag else None,
        tuple(ids),
        tuple(classes),
        tuple(attributes),
        positions.get("nth-child"),
        positions.get("nth-of-type"),
    )


def _attribute(operator: str, name: str, value: str | None) -> tuple[str, Test, str]:
    test = _TESTS.get(operator)
    if test is None or not _SAFE_NAME.match(name):
        raise _Unsupported
    value = value or ""
    if operator in _NEED_VALUE and not value:
        raise _Unsupported
    if operator == "~=" and _CSS_SPACE.search(value):
        raise _Unsupported
    return name.lower(), test, value


class _NotPlain(Exception):
    """Not for the short scanner: cssselect's parser reads it."""


_IDENT = r"-?[_a-zA-Z][_a-zA-Z0-9-]*"  # cssselect's identifiers, ASCII and unescaped
_SPACE = r"[ \t\r\n\f]"
_TAG = re.compile(rf"{_IDENT}|\*")
_PART = re.compile(
    rf"""\#(?P<id>[_a-zA-Z0-9-]+)
    |\.(?P<cls>{_IDENT})
    |\[{_SPACE}*(?P<attr>{_IDENT}){_SPACE}*
        (?:(?P<op>[~|^$*]?=){_SPACE}*
           (?:"(?P<dq>[^"\\\n\r\f]*)"|'(?P<sq>[^'\\\n\r\f]*)'|(?P<iv>{_IDENT})){_SPACE}*)?\]
    |:(?P<fn>nth-child|nth-of-type)\((?P<n>[0-9]+)\)""",
    re.VERBOSE,
)
_COMBINATOR = re.compile(rf"{_SPACE}*>{_SPACE}*|{_SPACE}+")


def _scan(selector: str) -> CompiledSelector:
    """The selector read by the short scanner; _NotPlain when it is not for it."""
    steps: list[_Compound] = []
    combinators: list[str] = []
    position = 0
    while True:
        tag_match = _TAG.match(selector, position)
        tag = None if tag_match is None else tag_match.group()
        position = position if tag_match is None else tag_match.end()
        parts: list[tuple[str, str, str | None]] = []
        while (part := _PART.match(selector, position)) is not None:
            parts.append(_part(part))
            position = part.end()
        if tag is None and not parts:
            raise _NotPlain
        steps.append(_build(None if tag == "*" else tag, parts))
        if position == len(selector):
            break
        joint = _COMBINATOR.match(selector, position)
        if joint is None or joint.end() == len(selector):
            raise _NotPlain
        combinators.append(">" if ">" in joint.group() else " ")
        position = joint.end()
    return CompiledSelector(tuple(steps[::-1]), tuple(combinators[::-1]))


def _part(found: re.Match[str]) -> tuple[str, str, str | None]:
    if found["id"] is not None:
        return "#", found["id"], None
    if found["cls"] is not None:
        return ".", found["cls"], None
    if found["fn"] is not None:
        return ":", found["fn"], found["n"]
    if found["op"] is None:
        return "exists", found["attr"], None
    value = next(v for v in (found["dq"], found["sq"], found["iv"]) if v is not None)
    return found["op"], found["attr"], value


class PageIndex:
    """The elements of one parsed page by id, class, tag and attribute value, each index
    built when first needed."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self._ids: dict[str, list[etree._Element]] | None = None
        self._classes: dict[str, list[etree._Element]] | None = None
        self._tags: dict[str, list[etree._Element]] = {}
        self._values: dict[str, dict[str, list[etree._Element]]] = {}
        # (element, None or its tag) -> elements (of its tag) before it among its siblings
        self._places: dict[tuple[etree._Element, str | None], int] = {}
        self._kids: dict[tuple[etree._Element, str | None], list[etree._Element]] = {}
        self._orders: dict[etree._Element, int] | None = None
        self._class_sets: dict[etree._Element, frozenset[str]] = {}

    def first_of(self, selector: str) -> etree._Element | None:
        """The first element ``selector`` names, or None; a selector outside the subset goes
        to ``cssselect``, raising what it raises."""
        compiled = compile_selector(selector)
        if compiled is not None:
            return self.first(compiled)
        matches = self.root.cssselect(selector)
        return matches[0] if matches else None

    def first(self, selector: CompiledSelector) -> etree._Element | None:
        """The first element in document order that ``selector`` names, or None.

        The search starts from the step with the fewest candidates: the steps before it
        are checked up its ancestors, the steps after it found down its descendants."""
        lists = [self._candidates(step) for step in selector.steps]
        anchor = min(range(len(lists)), key=lambda n: len(lists[n]))
        step = selector.steps[anchor]
        found: list[etree._Element] = []
        for element in lists[anchor]:
            if step.matches(element, self) and self._rest(element, selector, anchor):
                if anchor == 0:
                    return element  # the candidates are in document order
                found.extend(self._down(element, selector, anchor))
        if len(found) > 1:
            found.sort(key=self._order().__getitem__)
        return found[0] if found else None

    def _down(
        self, element: etree._Element, selector: CompiledSelector, index: int
    ) -> Iterator[etree._Element]:
        """The elements below ``element`` (which matched step ``index``) that the steps
        after it name."""
        if index == 0:
            yield element
            return
        step = selector.steps[index - 1]
        below: Iterable[etree._Element]
        if selector.combinators[index - 1] == " ":
            below = (e for e in element.iterdescendants() if isinstance(e.tag, str))
        elif step.position is not None:
            below = self._children(element)[step.position : step.position + 1]
        elif step.type_position is not None and step.tag is not None:
            below = self._children(element, step.tag)[step.type_position : step.type_position + 1]
        else:
            below = self._children(element)
        for child in below:
            if step.matches(child, self):
                yield from self._down(child, selector, index - 1)

    def _candidates(self, step: _Compound) -> list[etree._Element]:
        """The shortest list, in document order, that holds every element ``step`` names."""
        if step.ids:
            return self._index("id").get(step.ids[0], [])
        lists = [
            self._index(name).get(value, [])
            for name, test, value in step.attributes
            if test is _TESTS["="]
        ]
        if step.classes:
            classes = self._by_class()
            lists.extend(classes.get(name, []) for name in step.classes)
        tag = step.tag or "*"
        tagged = self._tags.get(tag)
        if tagged is None:
            every = self.root.iter() if tag == "*" else self.root.iter(tag)
            tagged = self._tags[tag] = [e for e in every if isinstance(e.tag, str)]
        lists.append(tagged)
        return min(lists, key=len)

    def _rest(self, element: etree._Element, selector: CompiledSelector, index: int) -> bool:
        """Whether the steps before ``index`` match, ``element`` having matched it."""
        if index + 1 == len(selector.steps):
            return True
        step = selector.steps[index + 1]
        parent = self._parent(element)
        if selector.combinators[index] == ">":
            if parent is None or not step.matches(parent, self):
                return False
            return self._rest(parent, selector, index + 1)
        while parent is not None:
            if step.matches(parent, self) and self._rest(parent, selector, index + 1):
                return True
            parent = self._parent(parent)
        return False

    def _parent(self, element: etree._Element) -> etree._Element | None:
        return None if element is self.root else element.getparent()

    def has_classes(self, element: etree._Element, names: tuple[str, ...]) -> bool:
        """Whether every class in ``names`` is one of ``element``'s (its classes split once)."""
        tokens = self._class_sets.get(element)
        if tokens is None:
            value = element.get("class")
            tokens = self._class_sets[element] = frozenset(_tokens(value) if value else ())
        return all(name in tokens for name in names)

    def position(self, element: etree._Element) -> int:
        """How many elements come before ``element`` among its parent's children."""
        return self._place(element, None)

    def type_position(self, element: etree._Element) -> int:
        """How many elements of its own tag come before ``element`` among its siblings."""
        return self._place(element, str(element.tag))

    def _place(self, element: etree._Element, tag: str | None) -> int:
        known = self._places.get((element, tag))
        if known is not None:
            return known
        parent = element.getparent()
        if parent is None:
            before = element.itersiblings(preceding=True)
            return sum(1 for e in before if isinstance(e.tag, str) and tag in (None, e.tag))
        self._children(parent, tag)
        return self._places[(element, tag)]

    def _children(self, parent: etree._Element, tag: str | None = None) -> list[etree._Element]:
        """``parent``'s element children (of ``tag``), listed once with their places."""
        children = self._kids.get((parent, tag))
        if children is None:
            children = [c for c in parent if isinstance(c.tag, str) and tag in (None, c.tag)]
            self._kids[(parent, tag)] = children
            self._places.update(((child, tag), n) for n, child in enumerate(children))
        return children

    def _order(self) -> dict[etree._Element, int]:
        if self._orders is None:
            self._orders = {element: n for n, element in enumerate(self.root.iter())}
        return self._orders

    def _index(self, name: str) -> dict[str, list[etree._Element]]:
        """Elements by the value of attribute ``name``."""
        index = self._values.get(name)
        if index is None:
            index = self._values[name] = {}
            for element in self.root.iter():
                value = element.get(name) if isinstance(element.tag, str) else None
                if value is not None:
                    index.setdefault(value, []).append(element)
        return index

    def _by_class(self) -> dict[str, list[etree._Element]]:
        if self._classes is None:
            self._classes = {}
            for element in self.root.iter():
                value = element.get("class") if isinstance(element.tag, str) else None
                for token in dict.fromkeys(_tokens(value)) if value else ():
                    self._classes.setdefault(token, []).append(element)
        return self._classes


__all__ = ["CompiledSelector", "PageIndex", "compile_selector"]
