"""Static accessibility checks: WCAG failures decidable from the HTML alone, on every page.

Like axe-core, a rule is data (rules/static-a11y/DCA###.yaml: impact, WCAG criteria,
selector, message, help, mappings to ACT rules and axe rules) and its logic is one small
evaluate function registered here under the rule id. ``load_static_rules`` compiles the pack
once; ``check_static`` runs every rule on one parsed page and returns Findings. A rule that
raises on a page becomes an ``Outcome.ERROR`` finding; the other rules still run.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from dcaudit.checks.accname import A11yTree, AriaVocabulary, collapse, iter_elements, tag_of
from dcaudit.checks.examples import example_page, same_element
from dcaudit.checks.findings import (
    CheckRule,
    InteractionLocator,
    check_rules,
    compile_selector,
    css_path,
    error_finding,
    make_finding,
    select,
    snippet_of,
)
from dcaudit.engine.packs import Example, Rule, RulePack, load_pack
from dcaudit.errors import RulePackError
from dcaudit.extract.document import ParsedPage
from dcaudit.models import Finding, Interaction, Outcome, Page, Source

log = logging.getLogger(__name__)

PACK_KIND = "a11y"
_LANG_SYNTAX = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_HEADING_TAG = re.compile(r"^h([1-6])$")
_ID_REFERENCES = (
    "aria-labelledby",
    "aria-describedby",
    "aria-controls",
    "aria-owns",
    "aria-activedescendant",
    "aria-errormessage",
    "aria-details",
    "aria-flowto",
    "headers",
)


@dataclass(frozen=True)
class LanguageTags:
    """Valid primary language subtags (BCP 47 via the IANA registry), from the pack's data."""

    two_letter: frozenset[str]
    replaced_three_letter: frozenset[str]  # ISO 639-2/3 codes BCP 47 replaces by 2 letters

    def is_valid(self, value: str) -> bool:
        tag = value.strip()
        if not _LANG_SYNTAX.match(tag):
            return False
        primary = tag.split("-", 1)[0].lower()
        if len(primary) == 2:
            return primary in self.two_letter
        return primary not in self.replaced_three_letter

    def primary(self, value: str | None) -> str | None:
        if not value or not self.is_valid(value):
            return None
        return value.strip().split("-", 1)[0].lower()


@dataclass(frozen=True)
class AutocompleteGrammar:
    """The HTML autofill detail tokens, from the pack's data."""

    fields: frozenset[str]
    contact_fields: frozenset[str]
    contact_types: frozenset[str]
    modes: frozenset[str]
    state_terms: frozenset[str]

    def is_valid(self, value: str) -> bool:
        tokens = value.lower().split()
        if not tokens:
            return True
        if len(tokens) == 1 and tokens[0] in {"on", "off"} | self.state_terms:
            return True
        if tokens[-1] == "webauthn":
            tokens = tokens[:-1]
        if not tokens:
            return False
        *prefix, field_name = tokens
        if field_name not in self.fields and field_name not in self.contact_fields:
            return False
        if prefix and prefix[0].startswith("section-") and len(prefix[0]) > 8:
            prefix = prefix[1:]
        if prefix and prefix[0] in self.modes:
            prefix = prefix[1:]
        if prefix and prefix[0] in self.contact_types:
            if field_name not in self.contact_fields:
                return False
            prefix = prefix[1:]
        return not prefix


@dataclass(frozen=True)
class PersonalPurpose:
    token: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class StaticRule:
    meta: CheckRule
    xpath: etree.XPath | None
    act_rules: tuple[str, ...]
    axe_rules: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class StaticRules:
    """The compiled static-a11y pack: rules plus the vocabularies their checks use."""

    rules: tuple[StaticRule, ...]
    vocab: AriaVocabulary
    languages: LanguageTags
    autocomplete: AutocompleteGrammar
    personal: tuple[PersonalPurpose, ...]
    version: str

    def get(self, rule_id: str) -> StaticRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


@dataclass(frozen=True)
class Hit:
    """One failing element (or the document root, for page-level rules) with evidence."""

    element: etree._Element
    detail: str | None = None
    outcome: Outcome | None = None


class PageContext:
    """Everything the evaluate functions share for one page, computed at most once."""

    def __init__(self, parsed: ParsedPage, rules: StaticRules) -> None:
        self.parsed = parsed
        self.root = parsed.root
        self.rules = rules
        self.tree = A11yTree(parsed.root, rules.vocab)

    @functools.cached_property
    def is_html_document(self) -> bool:
        """False for SVG or MathML documents, which lxml wraps in html/body."""
        if re.search(r"<html[\s>]", self.parsed.html[:4096], re.IGNORECASE):
            return True
        body = self.root.find("body")
        children = [c for c in body if isinstance(c.tag, str)] if body is not None else []
        return not (len(children) == 1 and tag_of(children[0]) in {"svg", "math"})

    @functools.cached_property
    def script_text(self) -> str:
        """Inline script source, to tell when focus or content may be script-managed."""
        return "\n".join(s.text or "" for s in self.root.iter("script"))

    def candidates(self, rule: StaticRule) -> list[etree._Element]:
        if rule.xpath is None:
            return list(iter_elements(self.root))
        return select(rule.xpath, self.root)

    def selector_for(self, element: etree._Element) -> str:
        return css_path(element, self.tree.ids)


Evaluator = Callable[[PageContext, StaticRule], Iterator[Hit]]
EVALUATORS: dict[str, Evaluator] = {}


def evaluates(rule_id: str) -> Callable[[Evaluator], Evaluator]:
    def register(func: Evaluator) -> Evaluator:
        EVALUATORS[rule_id] = func
        return func

    return register


# --- loading -------------------------------------------------------------------------


def load_static_rules(packs: Sequence[RulePack]) -> StaticRules:
    """Compile every ``a11y`` pack once: metadata, selectors and vocabularies."""
    a11y_packs = [pack for pack in packs if pack.kind == PACK_KIND]
    if not a11y_packs:
        raise RulePackError("rules", "no a11y rule pack loaded (rules/static-a11y is missing)")
    data: dict[str, Any] = {}
    for pack in a11y_packs:
        for content in pack.data.values():
            if isinstance(content, dict):
                data.update(content)
    where = a11y_packs[0].path
    compiled = []
    for pack in a11y_packs:
        metas = check_rules(pack.rules, EVALUATORS, pack.path)
        for rule in pack.rules:
            if rule.status == "deprecated":
                continue
            meta = metas[rule.id]
            compiled.append(
                StaticRule(
                    meta=meta,
                    xpath=compile_selector(meta.selector, rule.path, rule.id)
                    if meta.selector
                    else None,
                    act_rules=_ids(rule, "act_rules"),
                    axe_rules=_ids(rule, "axe_rules"),
                )
            )
    try:
        vocab = AriaVocabulary.from_data(data.get("aria", {}))
        languages = LanguageTags(
            two_letter=_word_set(data, "languages", "two_letter"),
            replaced_three_letter=_word_set(data, "languages", "replaced_three_letter"),
        )
        autocomplete = AutocompleteGrammar(
            fields=_word_set(data, "autocomplete", "fields"),
            contact_fields=_word_set(data, "autocomplete", "contact_fields"),
            contact_types=_word_set(data, "autocomplete", "contact_types"),
            modes=_word_set(data, "autocomplete", "modes"),
            state_terms=_word_set(data, "autocomplete", "state_terms"),
        )
        personal = tuple(_personal_purposes(data.get("personal_fields", [])))
    except (ValueError, TypeError, re.error) as exc:
        raise RulePackError(where, f"static-a11y data files are malformed: {exc}") from exc
    return StaticRules(
        rules=tuple(compiled),
        vocab=vocab,
        languages=languages,
        autocomplete=autocomplete,
        personal=personal,
        version=",".join(f"{p.name}@{p.version}" for p in a11y_packs),
    )


def _ids(rule: Rule, key: str) -> tuple[str, ...]:
    value = rule.raw.get(key, []) or []
    if not isinstance(value, list):
        raise RulePackError(rule.path, f"'{key}' must be a list", rule.id)
    return tuple(str(v) for v in value)


def _word_set(data: Mapping[str, Any], section: str, key: str) -> frozenset[str]:
    block = data.get(section, {})
    if not isinstance(block, dict) or not isinstance(block.get(key, []), list):
        raise ValueError(f"'{section}.{key}' must be a list")
    return frozenset(str(v).lower() for v in block.get(key, []))


def _personal_purposes(entries: object) -> Iterator[PersonalPurpose]:
    if not isinstance(entries, list):
        raise ValueError("'personal_fields' must be a list")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("match"), list):
            raise ValueError("each personal field needs 'token' and a 'match' list")
        words = "|".join(re.escape(str(w).lower()) for w in entry["match"])
        yield PersonalPurpose(str(entry["token"]), re.compile(rf"(?<![a-z])(?:{words})(?![a-z])"))


# --- running -------------------------------------------------------------------------


def check_static(
    parsed: ParsedPage, page: Page, interactions: Sequence[Interaction], rules: StaticRules
) -> list[Finding]:
    """Run every static rule on one page; failures are linked to the enclosing interaction."""
    findings: dict[str, Finding] = {}
    try:
        ctx = PageContext(parsed, rules)
        locator = InteractionLocator(parsed.root, interactions)
    except Exception as exc:  # a page we cannot even index: one error, not a crash
        log.warning("static checks could not start on %s: %s", page.url, exc)
        failure = error_finding("DCA000", Source.STATIC, page, exc)
        return [failure]
    for rule in rules.rules:
        try:
            hits = list(EVALUATORS[rule.id](ctx, rule))
            for hit in hits:
                selector = ctx.selector_for(hit.element)
                finding = make_finding(
                    rule.meta,
                    Source.STATIC,
                    page,
                    selector=selector,
                    snippet=snippet_of(hit.element),
                    detail=hit.detail,
                    interaction=locator.containing(hit.element),
                    outcome=hit.outcome,
                )
                findings.setdefault(finding.id, finding)
        except Exception as exc:  # one broken check must not stop the others
            log.warning("static rule %s failed on %s: %s", rule.id, page.url, exc)
            failure = error_finding(rule.id, Source.STATIC, page, exc)
            findings.setdefault(failure.id, failure)
    return list(findings.values())


def failing_elements(parsed: ParsedPage, rule_id: str, rules: StaticRules) -> list[Hit]:
    """Hits of one rule on one page (for examples, the ACT benchmark and debugging)."""
    rule = rules.get(rule_id)
    return list(EVALUATORS[rule.id](PageContext(parsed, rules), rule))


# --- the checks ----------------------------------------------------------------------


def _visible(ctx: PageContext, elements: Iterable[etree._Element]) -> Iterator[etree._Element]:
    for element in elements:
        if not ctx.tree.is_hidden(element):
            yield element


@evaluates("DCA001")
def _image_alt(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for img in _visible(ctx, ctx.candidates(rule)):
        role = ctx.tree.role(img)
        if role in {"none", "presentation"} or role not in {"img", "image"}:
            continue
        if not ctx.tree.name(img):
            alt = img.get("alt")
            detail = "The image has no alt attribute." if alt is None else "The alt text is blank."
            yield Hit(img, detail)


@evaluates("DCA002")
def _input_image_alt(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for element in _visible(ctx, ctx.candidates(rule)):
        if _input_type(element) == "image" and not ctx.tree.name(element):
            yield Hit(element)


@evaluates("DCA003")
def _area_alt(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for area in ctx.candidates(rule):
        if not ctx.tree.name(area):
            yield Hit(area)


_NOT_LABELLED_INPUTS = frozenset({"hidden", "button", "submit", "reset", "image"})


_FIELD_ROLES = frozenset(
    {
        "checkbox",
        "combobox",
        "listbox",
        "menuitemcheckbox",
        "menuitemradio",
        "radio",
        "searchbox",
        "slider",
        "spinbutton",
        "switch",
        "textbox",
    }
)


@evaluates("DCA004")
def _form_field_name(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for field in _visible(ctx, ctx.candidates(rule)):
        if tag_of(field) == "input" and _input_type(field) in _NOT_LABELLED_INPUTS:
            continue
        if tag_of(field) == "select":
            continue  # DCA005 covers select boxes
        if ctx.tree.is_presentational(field) or ctx.tree.role(field) not in _FIELD_ROLES:
            continue
        if not ctx.tree.name(field):
            yield Hit(field, _field_detail(field))


@evaluates("DCA005")
def _select_name(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for field in _visible(ctx, ctx.candidates(rule)):
        if not ctx.tree.is_presentational(field) and not ctx.tree.name(field):
            yield Hit(field, _field_detail(field))


def _field_detail(field: etree._Element) -> str:
    name = collapse(field.get("name") or field.get("id"))
    return f"Field '{name}' has no label." if name else "A form field has no label."


@evaluates("DCA006")
def _html_has_lang(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    root = ctx.root
    if tag_of(root) != "html":
        return
    if ctx.is_html_document and not collapse(root.get("lang")):
        # xml:lang alone does not count: browsers and screen readers read lang in HTML
        yield Hit(root)


@evaluates("DCA007")
def _html_lang_valid(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    value = ctx.root.get("lang")
    if ctx.is_html_document and value and not ctx.rules.languages.is_valid(value):
        yield Hit(ctx.root, f'lang="{collapse(value)[:40]}" is not a valid language tag.')


@evaluates("DCA008")
def _document_title(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    if not ctx.is_html_document:
        return
    for title in ctx.root.iter("title"):
        if any(tag_of(a) == "svg" for a in title.iterancestors()):
            continue
        if not collapse(title.text_content()):
            yield Hit(title, "The title element is empty.")
        return
    yield Hit(ctx.root, "The page has no title element.")


_LINK_ROLES = frozenset({"link", "doc-backlink", "doc-biblioref", "doc-glossref", "doc-noteref"})


@evaluates("DCA009")
def _link_name(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for link in _visible(ctx, ctx.candidates(rule)):
        if ctx.tree.role(link) not in _LINK_ROLES:
            continue
        if not ctx.tree.name(link):
            images = [img for img in link.iter("img")]
            detail = "An image link has no text alternative." if images else None
            yield Hit(link, detail)


@evaluates("DCA010")
def _button_name(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for button in _visible(ctx, ctx.candidates(rule)):
        if ctx.tree.role(button) != "button":
            continue
        if tag_of(button) == "input" and _input_type(button) == "image":
            continue  # DCA002 covers image buttons
        if not ctx.tree.name(button):
            yield Hit(button)


def _heading_level(ctx: PageContext, element: etree._Element) -> int | None:
    if ctx.tree.role(element) != "heading":
        return None
    level = (element.get("aria-level") or "").strip()
    if level.isdigit() and int(level) > 0:
        return int(level)
    match = _HEADING_TAG.match(tag_of(element))
    return int(match.group(1)) if match else 2  # role=heading defaults to level 2


@evaluates("DCA011")
def _heading_order(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    previous: int | None = None
    for heading in _visible(ctx, ctx.candidates(rule)):
        level = _heading_level(ctx, heading)
        if level is None:
            continue
        if previous is not None and level > previous + 1:
            yield Hit(heading, f"Heading level {level} follows level {previous}.")
        previous = level


@evaluates("DCA012")
def _page_has_heading_one(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    body = ctx.root.find("body")
    if body is None or not collapse(body.text_content()):
        return  # an empty document (a frameset or redirect stub) is not a page to read
    for heading in _visible(ctx, ctx.candidates(rule)):
        if _heading_level(ctx, heading) == 1:
            return
    yield Hit(ctx.root, "The page has no level-one heading.")


@evaluates("DCA013")
def _empty_heading(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for heading in _visible(ctx, ctx.candidates(rule)):
        if _heading_level(ctx, heading) is not None and not ctx.tree.name(heading):
            yield Hit(heading)


_REFERRERS = etree.XPath(
    "//*[" + " or ".join(f"@{name}" for name in _ID_REFERENCES) + "] | //label[@for]"
)


@evaluates("DCA014")
def _duplicate_id_referenced(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    referenced: set[str] = set()
    for element in select(_REFERRERS, ctx.root):
        for attribute in _ID_REFERENCES:
            referenced.update((element.get(attribute) or "").split())
        if tag_of(element) == "label":
            referenced.add(element.get("for") or "")
    for element_id, elements in ctx.tree.ids.items():
        if element_id in referenced and len(elements) > 1:
            for duplicate in elements[1:]:
                yield Hit(duplicate, f'id="{element_id[:40]}" is used {len(elements)} times.')


_AUTOCOMPLETE_SKIP = frozenset({"hidden", "button", "submit", "reset", "image"})


def _autocomplete_applies(ctx: PageContext, element: etree._Element) -> bool:
    if tag_of(element) == "input" and _input_type(element) in _AUTOCOMPLETE_SKIP:
        return False
    if ctx.tree.is_disabled(element) or (element.get("aria-disabled") or "").lower() == "true":
        return False
    return not ctx.tree.is_rendered_hidden(element)


@evaluates("DCA015")
def _autocomplete_valid(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for field in ctx.candidates(rule):
        value = field.get("autocomplete")
        if value is None or not value.strip() or not _autocomplete_applies(ctx, field):
            continue
        if not ctx.rules.autocomplete.is_valid(value):
            yield Hit(field, f'autocomplete="{collapse(value)[:60]}" is not a valid value.')


_PERSONAL_INPUT_TYPES = frozenset({"", "text", "email", "tel"})


@evaluates("DCA016")
def _autocomplete_missing(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for field in ctx.candidates(rule):
        if tag_of(field) == "input" and _input_type(field) not in _PERSONAL_INPUT_TYPES:
            continue
        value = (field.get("autocomplete") or "").strip().lower()
        if value not in {"", "off", "on"} or not _autocomplete_applies(ctx, field):
            continue
        purpose = _personal_purpose(ctx, field)
        if purpose is not None:
            yield Hit(
                field, f'This looks like a personal-data field; use autocomplete="{purpose}".'
            )


def _personal_purpose(ctx: PageContext, field: etree._Element) -> str | None:
    kind = _input_type(field) if tag_of(field) == "input" else ""
    if kind == "email":
        return "email"
    if kind == "tel":
        return "tel"
    described = " ".join(
        [ctx.tree.name(field), field.get("name") or "", field.get("id") or ""]
    ).lower()
    described = re.sub(r"[_\-.\[\]]+", " ", described)
    for purpose in ctx.rules.personal:
        if purpose.pattern.search(described):
            return purpose.token
    return None


_VIEWPORT_SPLIT = re.compile(r"[,;]")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)")


def _viewport_properties(content: str) -> dict[str, str]:
    props = {}
    for part in _VIEWPORT_SPLIT.split(content):
        if "=" in part:
            key, _, value = part.partition("=")
            props[key.strip().lower()] = value.strip().lower()
    return props


def _viewport_number(value: str) -> float | None:
    """Meta viewport values: numbers, yes/no and device-* keywords (CSS Device Adaptation)."""
    if value in {"device-width", "device-height"}:
        return 10.0
    if value == "yes":
        return 1.0
    match = _NUMBER.match(value)
    if match:
        return float(match.group(0))
    return 0.0  # 'no' and unknown words count as zero


@evaluates("DCA017")
def _meta_viewport_zoom(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    minimum = float(rule.meta.option("scale_minimum", 2))
    for meta in ctx.candidates(rule):
        if (meta.get("name") or "").strip().lower() != "viewport":
            continue
        props = _viewport_properties(meta.get("content") or "")
        scalable = props.get("user-scalable")
        if scalable is not None:
            number = _viewport_number(scalable)
            if number is not None and -1 < number < 1:
                yield Hit(meta, f"user-scalable={scalable[:20]} disables zoom.")
                continue
        maximum = props.get("maximum-scale")
        if maximum is not None:
            number = _viewport_number(maximum)
            if number is not None and 0 <= number < minimum:
                yield Hit(meta, f"maximum-scale={maximum[:20]} limits zoom below {minimum:g}x.")


_NO_ROLE = frozenset({"none", "presentation"})


@evaluates("DCA018")
def _frame_title(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for frame in _visible(ctx, ctx.candidates(rule)):
        index = ctx.tree.tabindex(frame)
        if (index is not None and index < 0) or ctx.tree.explicit_role(frame) in _NO_ROLE:
            continue
        if not ctx.tree.name(frame):
            yield Hit(frame)


@evaluates("DCA019")
def _headers_attribute(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for table in ctx.candidates(rule):
        if ctx.tree.explicit_role(table) not in {None, "table", "grid", "treegrid"}:
            continue
        cells = {
            cell.get("id"): cell
            for cell in table.iter("td", "th")
            if cell.get("id") and _owning_table(cell) is table
        }
        for cell in table.iter("td", "th"):
            if _owning_table(cell) is not table or cell.get("headers") is None:
                continue
            for ref in (cell.get("headers") or "").split():
                if ref not in cells or cells[ref] is cell:
                    yield Hit(cell, f'headers="{ref[:40]}" names no other cell of this table.')
                    break


def _owning_table(cell: etree._Element) -> etree._Element | None:
    for ancestor in cell.iterancestors():
        if tag_of(ancestor) == "table":
            return ancestor
    return None


@evaluates("DCA020")
def _data_table_headers(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    min_rows = int(rule.meta.option("min_rows", 2))
    min_columns = int(rule.meta.option("min_columns", 2))
    for table in _visible(ctx, ctx.candidates(rule)):
        if ctx.tree.is_presentational(table) or ctx.tree.explicit_role(table) not in {
            None,
            "table",
        }:
            continue
        if any(
            _owning_table(inner) is table for inner in table.iter("table") if inner is not table
        ):
            continue  # tables holding tables are layout
        rows = [row for row in table.iter("tr") if _owning_table(row) is table]
        widest = max((sum(1 for c in row if tag_of(c) in {"td", "th"}) for row in rows), default=0)
        if len(rows) < min_rows or widest < min_columns:
            continue
        has_headers = any(
            tag_of(cell) == "th"
            or cell.get("scope")
            or cell.get("headers")
            or ctx.tree.explicit_role(cell) in {"columnheader", "rowheader"}
            for cell in table.iter("td", "th")
        )
        if not has_headers:
            yield Hit(table, f"A table of {len(rows)} rows has no header cells.")


@evaluates("DCA021")
def _element_lang_valid(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for element in ctx.candidates(rule):
        if element is ctx.root:
            continue
        value = element.get("lang")
        if value is None or value == "" or ctx.rules.languages.is_valid(value):
            continue
        if _has_own_text(ctx, element):
            yield Hit(element, f'lang="{collapse(value)[:40]}" is not a valid language tag.')


def _has_own_text(ctx: PageContext, element: etree._Element) -> bool:
    """Visible or exposed text whose language this element's lang attribute decides."""

    def walk(node: etree._Element, top: bool) -> bool:
        if not top and (node.get("lang") is not None or ctx.tree.is_rendered_hidden(node)):
            return False
        if top and ctx.tree.is_rendered_hidden(node):
            return False
        if (node.text or "").strip() or collapse(node.get("alt")):
            return True
        for child in node:
            if isinstance(child.tag, str) and walk(child, False):
                return True
            if (child.tail or "").strip():
                return True
        return False

    return walk(element, True)


_REFRESH = re.compile(r"^\s*(\d+)(?:\.[\d.]*)?(?=$|[\s;,])")


@evaluates("DCA022")
def _meta_refresh(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    longest = int(rule.meta.option("max_delay", 72000))
    for meta in ctx.candidates(rule):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        match = _REFRESH.match(meta.get("content") or "")
        if not match:
            continue  # browsers ignore an invalid refresh; the first valid one decides
        delay = int(match.group(1))
        if 0 < delay <= longest:
            redirect = bool((meta.get("content") or "")[match.end() :].strip(" ;,"))
            kind = "redirects" if redirect else "reloads"
            yield Hit(meta, f"The page {kind} after {delay} seconds.")
        return


@evaluates("DCA023")
def _positive_tabindex(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for element in _visible(ctx, ctx.candidates(rule)):
        index = ctx.tree.tabindex(element)
        if index is not None and index > 0:
            yield Hit(element, f'tabindex="{index}" changes the focus order.')


@evaluates("DCA024")
def _autoplay_without_controls(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for media in ctx.candidates(rule):
        if media.get("autoplay") is None or media.get("muted") is not None:
            continue
        if media.get("controls") is None and not ctx.tree.is_rendered_hidden(media):
            yield Hit(media, f"<{tag_of(media)} autoplay> plays without controls.")


@evaluates("DCA025")
def _aria_hidden_body(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for body in ctx.candidates(rule):
        if (body.get("aria-hidden") or "").strip().lower() == "true":
            yield Hit(body)


@evaluates("DCA026")
def _aria_hidden_focus(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for element in ctx.candidates(rule):
        if (element.get("aria-hidden") or "").strip().lower() != "true" or tag_of(
            element
        ) == "body":
            continue
        if any(
            (a.get("aria-hidden") or "").strip().lower() == "true" for a in element.iterancestors()
        ):
            continue  # reported once, on the outermost hidden element
        for node in iter_elements(element):
            if ctx.tree.is_rendered_hidden(node):
                continue
            if ctx.tree.is_tabbable(node):
                # Script may move focus away from it (a focus-trap sentinel): cannot tell.
                managed = bool(node.get("id")) and node.get("id", "") in ctx.script_text
                outcome = Outcome.NEEDS_REVIEW if managed else None
                yield Hit(element, f"It contains a focusable <{tag_of(node)}>.", outcome)
                break


@evaluates("DCA027")
def _role_img_name(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for element in _visible(ctx, ctx.candidates(rule)):
        if tag_of(element) in {"img", "area", "input", "object", "svg"}:
            continue
        if ctx.tree.explicit_role(element) in {"img", "image"} and not ctx.tree.name(element):
            yield Hit(element)


@evaluates("DCA028")
def _svg_img_name(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    roles = {"img", "image", "graphics-document", "graphics-symbol"}
    for svg in _visible(ctx, ctx.candidates(rule)):
        inside_svg = tag_of(svg) == "svg" or any(tag_of(a) == "svg" for a in svg.iterancestors())
        if inside_svg and ctx.tree.explicit_role(svg) in roles and not ctx.tree.name(svg):
            yield Hit(svg)


@evaluates("DCA029")
def _listitem_in_list(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    for item in _visible(ctx, ctx.candidates(rule)):
        if item.get("role") is not None:
            continue
        parent = item.getparent()
        if parent is None:
            continue
        parent_role = ctx.tree.explicit_role(parent)
        if parent_role in {"list", "directory"}:
            continue
        if parent_role is None and tag_of(parent) in {"ul", "ol", "menu"}:
            continue
        yield Hit(item, f"<li> sits in <{tag_of(parent)}>, not in a list.")


@evaluates("DCA030")
def _list_children(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    allowed = {"li", "script", "template"}
    for listing in _visible(ctx, ctx.candidates(rule)):
        if listing.get("role") is not None:
            continue
        for child in listing:
            if not isinstance(child.tag, str) or ctx.tree.is_hidden(child):
                continue
            if tag_of(child) not in allowed and ctx.tree.explicit_role(child) != "listitem":
                yield Hit(listing, f"The list holds a <{tag_of(child)}> outside any <li>.")
                break


@evaluates("DCA031")
def _aria_attribute_defined(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    known = ctx.rules.vocab.attributes
    for element in iter_elements(ctx.root):
        for name in element.attrib:
            lowered = str(name).lower()
            if lowered.startswith("aria-") and lowered not in known:
                yield Hit(element, f"{lowered[:40]} is not an ARIA attribute.")
                break


@evaluates("DCA032")
def _role_valid(ctx: PageContext, rule: StaticRule) -> Iterator[Hit]:
    vocab = ctx.rules.vocab
    for element in _visible(ctx, ctx.candidates(rule)):
        tokens = (element.get("role") or "").lower().split()
        if tokens and not any(t in vocab.roles for t in tokens):
            yield Hit(element, f'role="{" ".join(tokens)[:40]}" is not a valid ARIA role.')


def _input_type(element: etree._Element) -> str:
    return (element.get("type") or "").strip().lower()


# --- rule examples -------------------------------------------------------------------


def run_example(rule: Rule, example: Example, parsed: ParsedPage) -> bool:
    """Whether ``rule`` fires on an example element of its tests/<ID>.html file.

    A ``<textarea data-page>`` example holds a whole page (for page-level rules such as
    html lang or title): the rule fires if it reports anything on that page. Any other
    element fires if the rule reports that element or an element inside it.
    """
    return example_fires(rule.id, example, parsed, _pack_rules(str(Path(rule.path).parent)))


@functools.lru_cache(maxsize=8)
def _pack_rules(pack_dir: str) -> StaticRules:
    return load_static_rules([load_pack(Path(pack_dir))])


def example_fires(rule_id: str, example: Example, parsed: ParsedPage, rules: StaticRules) -> bool:
    page = example_page(example)
    if page is not None:
        return bool(failing_elements(page, rule_id, rules))
    target = same_element(example.element, parsed.root)
    for hit in failing_elements(parsed, rule_id, rules):
        if hit.element is target or target in hit.element.iterancestors():
            return True
    return False
