"""The closed set of matchers classification rules are built from, compiled once per run.

A rule's ``match`` is a tree: ``any`` / ``all`` / ``none`` hold lists of nodes; a leaf is one
of ``phrase``, ``url``, ``selector``, ``field_shape``, ``platform`` or ``document``. Several
keys in one mapping must all hold. Each matcher returns a strength (0-1: how directly the
evidence speaks, e.g. a phrase in the label beats one in the surrounding text) and the
evidence it matched, or None.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cssselect import HTMLTranslator, SelectorError
from cssselect import parse as parse_css
from cssselect.parser import CombinedSelector
from lxml import etree

from dcaudit.classify.subject import TEXT_FIELDS, Subject
from dcaudit.engine.catalogs import DocumentTypes, PlatformCatalog
from dcaudit.engine.phrases import PhraseIndex
from dcaudit.errors import RulePackError
from dcaudit.extract.candidates import FormShape

MATCHER_KEYS = ("phrase", "url", "selector", "field_shape", "platform", "document")
COMBINATORS = ("any", "all", "none")
_INTEGER = re.compile(r"^\s*\d{1,2}\s*$")
_selector_ids = itertools.count()


@dataclass(frozen=True)
class MatchResult:
    strength: float
    evidence: tuple[tuple[str, str], ...]  # (what matched, the matched text or selector)


class Matcher(Protocol):
    def evaluate(self, subject: Subject) -> MatchResult | None: ...


@dataclass(frozen=True)
class CompileContext:
    phrases: PhraseIndex
    page_phrases: PhraseIndex
    platforms: PlatformCatalog
    documents: DocumentTypes
    field_weights: Mapping[str, float]
    default_fields: tuple[str, ...]
    language: str | None
    suffixes: tuple[str, ...]
    other_language_weight: float
    path: str
    rule_id: str
    mutations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def error(self, problem: str) -> RulePackError:
        return RulePackError(self.path, problem, self.rule_id)


@dataclass(frozen=True)
class PhraseMatcher:
    set_id: int
    page_set_id: int | None  # the same phrases in the page-text index, if "page" is read
    phrases: tuple[str, ...]
    fields: tuple[tuple[str, float], ...]
    language: str | None
    other_language_weight: float

    def evaluate(self, subject: Subject) -> MatchResult | None:
        if self.set_id not in subject.hit_ids and (
            self.page_set_id is None or self.page_set_id not in subject.page_hits
        ):
            return None
        factor = 1.0
        if self.language is not None and self.language not in subject.languages:
            factor = self.other_language_weight
        best: MatchResult | None = None
        for name, weight in self.fields:
            if name == "page":
                hit = subject.page_hits.get(self.page_set_id or -1)
            else:
                hit = subject.hits(name).get(self.set_id)
            if hit is not None and (best is None or weight * factor > best.strength):
                best = MatchResult(weight * factor, ((f"phrase in {name}", hit),))
        return best


@dataclass(frozen=True)
class UrlMatcher:
    pattern: re.Pattern[str]
    source: str  # "target" or "page"

    def evaluate(self, subject: Subject) -> MatchResult | None:
        if self.source == "page":
            url = subject.interaction.page
        else:
            url = subject.interaction.target or ""
        found = self.pattern.search(url) if url else None
        if found is None:
            return None
        return MatchResult(1.0, ((f"url ({self.source})", url),))


@dataclass(frozen=True)
class SelectorMatcher:
    css: str
    scope: str  # self | inside | contains
    key: int
    document_xpath: etree.XPath
    relative_xpath: etree.XPath
    # for selectors without combinators: test the element (and its ancestors) directly,
    # which is far cheaper than querying the whole document
    local_xpath: etree.XPath | None = None

    def evaluate(self, subject: Subject) -> MatchResult | None:
        element = subject.element
        if element is None:
            return None
        if self.scope == "contains":
            found = self.relative_xpath(element)
            matched = isinstance(found, list) and len(found) > 0
        elif self.local_xpath is not None:
            found = self.local_xpath(element)
            matched = isinstance(found, list) and len(found) > 0
        else:
            hits = subject.page.selector_matches(self.key, self.document_xpath)
            matched = element in hits
            if not matched and self.scope == "inside":
                matched = any(a in hits for a in element.iterancestors())
        if not matched:
            return None
        return MatchResult(1.0, ((f"selector ({self.scope})", self.css),))


@dataclass(frozen=True)
class FieldShapeMatcher:
    method: str | None
    fields: tuple[int | None, int | None]
    types: tuple[tuple[str, int | None, int | None], ...]
    only_types: frozenset[str] | None
    field_name: re.Pattern[str] | None
    autocomplete: re.Pattern[str] | None
    radio_options: tuple[int | None, int | None] | None
    numeric_scale: bool | None

    def evaluate(self, subject: Subject) -> MatchResult | None:
        shape = subject.source.shape if subject.source is not None else None
        if shape is None or not self._holds(shape):
            return None
        summary = ", ".join(f.type for f in shape.fields) or "no visible fields"
        return MatchResult(1.0, (("field shape", f"{shape.method or '?'} form: {summary}"),))

    def _holds(self, shape: FormShape) -> bool:
        if self.method is not None and shape.method != self.method:
            return False
        if not _within(shape.visible_fields, self.fields):
            return False
        for field_type, low, high in self.types:
            if not _within(shape.count(field_type), (low, high)):
                return False
        if self.only_types is not None and any(f.type not in self.only_types for f in shape.fields):
            return False
        if self.field_name is not None and not any(
            self.field_name.search(n) for n in shape.field_names
        ):
            return False
        if self.autocomplete is not None and not any(
            f.autocomplete and self.autocomplete.search(f.autocomplete) for f in shape.fields
        ):
            return False
        if self.radio_options is not None and not any(
            _within(len(g.options), self.radio_options) for g in shape.radio_groups
        ):
            return False
        if self.numeric_scale is not None:
            scaled = any(_is_scale(g.values) or _is_scale(g.options) for g in shape.radio_groups)
            if scaled != self.numeric_scale:
                return False
        return True


def _is_scale(values: Sequence[str]) -> bool:
    return len(values) >= 3 and all(_INTEGER.match(v or "") for v in values)


def _within(value: int, bounds: tuple[int | None, int | None]) -> bool:
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True)
class PlatformMatcher:
    categories: frozenset[str]
    names: frozenset[str]
    catalog: PlatformCatalog

    def evaluate(self, subject: Subject) -> MatchResult | None:
        platform = subject.source.platform if subject.source is not None else None
        if platform is None and subject.interaction.target:
            platform = self.catalog.lookup(subject.interaction.target)
        if platform is None:
            return None
        if self.categories and platform.category not in self.categories:
            return None
        if self.names and platform.name.casefold() not in self.names:
            return None
        return MatchResult(1.0, (("platform", f"{platform.name} ({platform.category})"),))


@dataclass(frozen=True)
class DocumentMatcher:
    types: frozenset[str]
    editable: bool | None
    data: bool | None
    catalog: DocumentTypes

    def evaluate(self, subject: Subject) -> MatchResult | None:
        document = subject.source.document if subject.source is not None else None
        if document is None and subject.interaction.target:
            document = self.catalog.lookup(subject.interaction.target)
        if document is None:
            return None
        if self.types and document.name not in self.types:
            return None
        if self.editable is not None and document.editable != self.editable:
            return None
        if self.data is not None and document.data != self.data:
            return None
        return MatchResult(1.0, (("document type", document.name),))


@dataclass(frozen=True)
class AnyMatcher:
    children: tuple[Matcher, ...]

    def evaluate(self, subject: Subject) -> MatchResult | None:
        best: MatchResult | None = None
        for child in self.children:
            result = child.evaluate(subject)
            if result is not None and (best is None or result.strength > best.strength):
                best = result
                if best.strength >= 1.0:
                    break  # nothing can beat it
        return best


@dataclass(frozen=True)
class AllMatcher:
    children: tuple[Matcher, ...]

    def evaluate(self, subject: Subject) -> MatchResult | None:
        strength = 1.0
        evidence: list[tuple[str, str]] = []
        for child in self.children:
            result = child.evaluate(subject)
            if result is None:
                return None
            strength = min(strength, result.strength)
            evidence.extend(result.evidence)
        return MatchResult(strength, tuple(evidence))


@dataclass(frozen=True)
class NoneMatcher:
    children: tuple[Matcher, ...]

    def evaluate(self, subject: Subject) -> MatchResult | None:
        if any(child.evaluate(subject) is not None for child in self.children):
            return None
        return MatchResult(1.0, ())


def compile_match(node: Any, ctx: CompileContext, where: str = "match") -> Matcher:
    if not isinstance(node, dict) or not node:
        raise ctx.error(f"'{where}' must be a mapping of matchers ({', '.join(MATCHER_KEYS)})")
    parts: list[Matcher] = []
    for key, value in node.items():
        at = f"{where}.{key}"
        if key in COMBINATORS:
            if not isinstance(value, list) or not value:
                raise ctx.error(f"'{at}' must be a non-empty list of matchers")
            compiled = [compile_match(v, ctx, f"{at}[{i}]") for i, v in enumerate(value)]
            children = _cheap_first(compiled)
            if key == "any":
                parts.append(AnyMatcher(children))
            elif key == "all":
                parts.append(AllMatcher(children))
            else:
                parts.append(NoneMatcher(children))
        elif key == "phrase":
            parts.append(_phrase(value, ctx, at))
        elif key == "url":
            parts.append(_url(value, ctx, at))
        elif key == "selector":
            parts.append(_selector(value, ctx, at))
        elif key == "field_shape":
            parts.append(_field_shape(value, ctx, at))
        elif key == "platform":
            parts.append(_platform(value, ctx, at))
        elif key == "document":
            parts.append(_document(value, ctx, at))
        else:
            known = ", ".join((*COMBINATORS, *MATCHER_KEYS))
            raise ctx.error(f"unknown matcher '{key}' at '{where}' (known: {known})")
    return parts[0] if len(parts) == 1 else AllMatcher(_cheap_first(parts))


def _cheap_first(children: list[Matcher]) -> tuple[Matcher, ...]:
    """Order children so that selectors (a tree query) run only when the rest hold."""
    return tuple(sorted(children, key=lambda child: isinstance(child, SelectorMatcher)))


def _string_list(value: Any, ctx: CompileContext, at: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ctx.error(f"'{at}' must be a non-empty list of strings")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise ctx.error(f"'{at}' must contain only non-empty strings")
    return tuple(v.strip() for v in value)


def _phrase(value: Any, ctx: CompileContext, at: str) -> PhraseMatcher:
    if isinstance(value, list | str):
        value = {"phrases": value}
    if not isinstance(value, dict):
        raise ctx.error(f"'{at}' must be a list of phrases or a mapping with 'phrases'")
    unknown = set(value) - {"phrases", "in", "inflect"}
    if unknown:
        raise ctx.error(f"'{at}': unknown keys {sorted(unknown)} (use phrases, in, inflect)")
    phrases = _string_list(value.get("phrases"), ctx, f"{at}.phrases")
    fields_value = value.get("in", list(ctx.default_fields))
    if isinstance(fields_value, str):
        fields_value = [fields_value]
    if isinstance(fields_value, list) and all(isinstance(name, str) for name in fields_value):
        fields_value = {name: ctx.field_weights.get(name, 0.0) for name in fields_value}
    if not isinstance(fields_value, dict) or not fields_value:
        raise ctx.error(f"'{at}.in' must list fields ({', '.join(TEXT_FIELDS)})")
    fields: list[tuple[str, float]] = []
    for name, weight in fields_value.items():
        if name not in TEXT_FIELDS:
            raise ctx.error(f"'{at}.in': unknown field '{name}' (known: {', '.join(TEXT_FIELDS)})")
        if not isinstance(weight, int | float) or not 0 < weight <= 1:
            raise ctx.error(f"'{at}.in': weight of '{name}' must be a number in (0, 1]")
        fields.append((str(name), float(weight)))
    inflect = value.get("inflect", True)
    if not isinstance(inflect, bool):
        raise ctx.error(f"'{at}.inflect' must be true or false")
    try:
        set_id = ctx.phrases.add(phrases, ctx.suffixes, inflect, ctx.mutations)
        page_set_id = None
        if any(name == "page" for name, _ in fields):
            page_set_id = ctx.page_phrases.add(phrases, ctx.suffixes, inflect, ctx.mutations)
    except ValueError as exc:
        raise ctx.error(f"'{at}': {exc}") from exc
    return PhraseMatcher(
        set_id, page_set_id, phrases, tuple(fields), ctx.language, ctx.other_language_weight
    )


def _url(value: Any, ctx: CompileContext, at: str) -> UrlMatcher:
    if isinstance(value, str):
        value = {"regex": value}
    if not isinstance(value, dict) or len({"regex", "glob"} & set(value)) != 1:
        raise ctx.error(f"'{at}' needs exactly one of 'regex' or 'glob'")
    source = value.get("of", "target")
    if source not in {"target", "page"}:
        raise ctx.error(f"'{at}.of' must be 'target' or 'page'")
    if "glob" in value:
        if not isinstance(value["glob"], str):
            raise ctx.error(f"'{at}.glob' must be a string")
        text = fnmatch.translate(value["glob"])
    else:
        text = value["regex"]
        if not isinstance(text, str):
            raise ctx.error(f"'{at}.regex' must be a string")
    try:
        pattern = re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise ctx.error(f"'{at}': not a valid regular expression: {exc}") from exc
    return UrlMatcher(pattern, source)


_TRANSLATOR = HTMLTranslator()


def _selector(value: Any, ctx: CompileContext, at: str) -> SelectorMatcher:
    if isinstance(value, str):
        value = {"css": value}
    if not isinstance(value, dict) or not isinstance(value.get("css"), str):
        raise ctx.error(f"'{at}' must be a CSS selector or a mapping with 'css'")
    scope = value.get("scope", "inside")
    if scope not in {"self", "inside", "contains"}:
        raise ctx.error(f"'{at}.scope' must be self, inside or contains")
    css = value["css"]
    try:
        document_xpath = etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix="descendant-or-self::"))
        relative_xpath = etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix="descendant::"))
        local_xpath = None
        if scope != "contains" and not any(
            isinstance(s.parsed_tree, CombinedSelector) for s in parse_css(css)
        ):
            axis = "self::" if scope == "self" else "ancestor-or-self::"
            local_xpath = etree.XPath(_TRANSLATOR.css_to_xpath(css, prefix=axis))
    except (SelectorError, etree.XPathSyntaxError) as exc:
        raise ctx.error(f"'{at}': invalid CSS selector '{css}': {exc}") from exc
    return SelectorMatcher(
        css, scope, next(_selector_ids), document_xpath, relative_xpath, local_xpath
    )


def _bounds(value: Any, ctx: CompileContext, at: str) -> tuple[int | None, int | None]:
    if isinstance(value, int) and not isinstance(value, bool):
        return value, value
    if isinstance(value, dict) and set(value) <= {"min", "max"} and value:
        low, high = value.get("min"), value.get("max")
        if all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in (low, high)):
            return low, high
    raise ctx.error(f"'{at}' must be a whole number or a mapping with min and/or max")


_SHAPE_KEYS = (
    "method", "fields", "types", "only_types", "field_name", "autocomplete",
    "radio_options", "numeric_scale",
)  # fmt: skip


def _field_shape(value: Any, ctx: CompileContext, at: str) -> FieldShapeMatcher:
    if not isinstance(value, dict) or not value:
        raise ctx.error(f"'{at}' must be a mapping of constraints ({', '.join(_SHAPE_KEYS)})")
    unknown = set(value) - set(_SHAPE_KEYS)
    if unknown:
        raise ctx.error(f"'{at}': unknown constraints {sorted(unknown)}")
    method = value.get("method")
    if method is not None and (
        not isinstance(method, str) or method.upper() not in {"GET", "POST"}
    ):
        raise ctx.error(f"'{at}.method' must be GET or POST")
    types_value = value.get("types", {})
    if not isinstance(types_value, dict):
        raise ctx.error(f"'{at}.types' must map field types to counts")
    types = tuple(
        (str(name), *_bounds(count, ctx, f"{at}.types.{name}"))
        for name, count in types_value.items()
    )
    only = value.get("only_types")
    regexes: dict[str, re.Pattern[str] | None] = {}
    for key in ("field_name", "autocomplete"):
        raw = value.get(key)
        if raw is None:
            regexes[key] = None
            continue
        if not isinstance(raw, str):
            raise ctx.error(f"'{at}.{key}' must be a regular expression string")
        try:
            regexes[key] = re.compile(raw, re.IGNORECASE)
        except re.error as exc:
            raise ctx.error(f"'{at}.{key}': not a valid regular expression: {exc}") from exc
    scale = value.get("numeric_scale")
    if scale is not None and not isinstance(scale, bool):
        raise ctx.error(f"'{at}.numeric_scale' must be true or false")
    return FieldShapeMatcher(
        method=method.upper() if isinstance(method, str) else None,
        fields=_bounds(value["fields"], ctx, f"{at}.fields") if "fields" in value else (None, None),
        types=types,
        only_types=frozenset(_string_list(only, ctx, f"{at}.only_types"))
        if only is not None
        else None,
        field_name=regexes["field_name"],
        autocomplete=regexes["autocomplete"],
        radio_options=(
            _bounds(value["radio_options"], ctx, f"{at}.radio_options")
            if "radio_options" in value
            else None
        ),
        numeric_scale=scale,
    )


def _platform(value: Any, ctx: CompileContext, at: str) -> PlatformMatcher:
    if isinstance(value, str | list):
        value = {"category": value}
    if not isinstance(value, dict) or not ({"category", "name"} & set(value)):
        raise ctx.error(f"'{at}' needs 'category' and/or 'name'")
    categories = (
        frozenset(_string_list(value["category"], ctx, at)) if "category" in value else frozenset()
    )
    known = set(ctx.platforms.embed_kinds)
    if known and not categories <= known:
        raise ctx.error(f"'{at}': unknown platform categories {sorted(categories - known)}")
    names = (
        frozenset(n.casefold() for n in _string_list(value["name"], ctx, at))
        if "name" in value
        else frozenset()
    )
    return PlatformMatcher(categories, names, ctx.platforms)


def _document(value: Any, ctx: CompileContext, at: str) -> DocumentMatcher:
    if isinstance(value, str | list):
        value = {"types": value}
    if not isinstance(value, dict) or not value or set(value) - {"types", "editable", "data"}:
        raise ctx.error(f"'{at}' takes 'types', 'editable' and/or 'data'")
    types = frozenset(_string_list(value["types"], ctx, at)) if "types" in value else frozenset()
    known = {t.name for t in ctx.documents.types}
    if known and not types <= known:
        raise ctx.error(f"'{at}': unknown document types {sorted(types - known)}")
    flags: dict[str, bool | None] = {}
    for key in ("editable", "data"):
        flag = value.get(key)
        if flag is not None and not isinstance(flag, bool):
            raise ctx.error(f"'{at}.{key}' must be true or false")
        flags[key] = flag
    return DocumentMatcher(types, flags["editable"], flags["data"], ctx.documents)
