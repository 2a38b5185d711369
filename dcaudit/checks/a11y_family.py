"""The static accessibility family: WCAG failures decidable from the HTML alone, on every page.

Like axe-core, a rule is data (rules/static-a11y/DCA###.yaml: impact, WCAG criteria,
selector, message, help, mappings to ACT rules and axe rules) and its logic is one small
function registered with :data:`STATIC_A11Y` under the rule id (a11y_content.py and
a11y_structure.py). The function gets an :class:`A11yPage` (the page with its accessibility
tree) and the rule, and yields a :class:`~dcaudit.checks.protocol.Hit` per failing element
(the document root for page-level rules). A rule that raises on a page becomes an
``Outcome.ERROR`` finding; the other rules still run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from dcaudit.checks.a11y_vocab import (
    AutocompleteGrammar,
    LanguageTags,
    PersonalPurpose,
    autocomplete_grammar,
    language_tags,
    personal_purposes,
)
from dcaudit.checks.accname import A11yTree, AriaVocabulary, iter_elements, tag_of
from dcaudit.checks.findings import CheckRule, compile_selector, css_path, parse_finding, select
from dcaudit.checks.protocol import CheckFamily, PageView
from dcaudit.checks.records import PageRecord
from dcaudit.engine.packs import Rule, RulePack
from dcaudit.errors import RulePackError
from dcaudit.models import Finding, Source


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

    @functools.cached_property
    def _by_id(self) -> dict[str, StaticRule]:
        return {rule.id: rule for rule in self.rules}

    def get(self, rule_id: str) -> StaticRule:
        return self._by_id[rule_id]

    def rule(self, rule_id: str) -> CheckRule | None:
        found = self._by_id.get(rule_id)
        return found.meta if found is not None else None


class A11yPage(PageView[StaticRules]):
    """One page as the static checks see it: its accessibility tree, computed once."""

    def __init__(self, record: PageRecord, rules: StaticRules) -> None:
        self.tree = A11yTree(record.parsed.root, rules.vocab)
        super().__init__(record, rules)
        self.root = record.parsed.root

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

    def candidates(self, rule: CheckRule) -> list[etree._Element]:
        """The elements the rule's selector picks (every element without one)."""
        xpath = self.rules.get(rule.id).xpath
        if xpath is None:
            return list(iter_elements(self.root))
        return select(xpath, self.root)

    def selector_for(self, element: etree._Element) -> str:
        return css_path(element, self.tree.ids)


class StaticA11yFamily(CheckFamily[StaticRules, A11yPage]):
    name = "static-a11y"
    kind = "a11y"
    source = Source.STATIC
    start_rule = "DCA000"  # a page whose tree cannot be built: one error, not a crash

    def compile(
        self, packs: Sequence[RulePack], metas: Mapping[str, CheckRule], data: Mapping[str, Any]
    ) -> StaticRules:
        compiled = tuple(
            _static_rule(rule, metas[rule.id])
            for pack in packs
            for rule in pack.rules
            if rule.id in metas
        )
        return StaticRules(
            rules=compiled,
            vocab=AriaVocabulary.from_data(data.get("aria", {})),
            languages=language_tags(data),
            autocomplete=autocomplete_grammar(data),
            personal=personal_purposes(data),
            version=",".join(f"{p.name}@{p.version}" for p in packs),
        )

    def open(self, record: PageRecord, rules: StaticRules) -> A11yPage:
        return A11yPage(record, rules)

    def run(
        self,
        record: PageRecord,
        rules: StaticRules,
        *,
        only: Collection[str] | None = None,
        strict: bool = False,
    ) -> list[Finding]:
        """The rules' findings, then the parser's note when the markup met one of its limits."""
        findings = super().run(record, rules, only=only, strict=strict)
        if only is None and record.parsed.notes:
            findings.append(parse_finding(record.page, record.parsed.notes))
        return findings


STATIC_A11Y = StaticA11yFamily()


def _static_rule(rule: Rule, meta: CheckRule) -> StaticRule:
    return StaticRule(
        meta=meta,
        xpath=compile_selector(meta.selector, rule.path, rule.id) if meta.selector else None,
        act_rules=_ids(rule, "act_rules"),
        axe_rules=_ids(rule, "axe_rules"),
    )


def _ids(rule: Rule, key: str) -> tuple[str, ...]:
    value = rule.raw.get(key, []) or []
    if not isinstance(value, list):
        raise RulePackError(rule.path, f"'{key}' must be a list", rule.id)
    return tuple(str(v) for v in value)


# --- helpers the checks share ----------------------------------------------------------


def visible(view: A11yPage, elements: Iterable[etree._Element]) -> Iterator[etree._Element]:
    for element in elements:
        if not view.tree.is_hidden(element):
            yield element


def input_type(element: etree._Element) -> str:
    return (element.get("type") or "").strip().lower()
