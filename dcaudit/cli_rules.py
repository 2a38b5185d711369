"""What ``dcaudit rules list | show ID | test`` does (the lead wires these into click).

``test_rules`` runs every rule's examples (``rules/<pack>/tests/<ID>.html``): for each element
marked ``<!-- expect: ID -->`` the rule must fire, for each ``<!-- ok: ID -->`` it must not.
How an example is run depends on the pack kind: classification, platforms and documents
rules are registered here; other kinds (a11y, exclusion ...) register their runner in
``EXAMPLE_RUNNERS`` from their own module. A kind with no runner reports its examples as
"not runnable", a failure, so nothing is silently untested.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import yaml

from dcaudit.classify.rules import (
    RULE_PACK_KINDS,
    ClassificationRules,
    default_classification_rules,
    load_classification_rules,
)
from dcaudit.engine.packs import Example, Rule, RulePack, find_examples
from dcaudit.errors import ConfigError
from dcaudit.extract.interactions import extract_interactions, interaction_sources
from dcaudit.models import Interaction
from dcaudit.parse.document import ParsedPage, parse_html

# Example files are parsed as if served from here: links to other hosts are off-site.
EXAMPLE_PAGE_URL = "https://example.test/examples"


class ExampleNotApplicable(Exception):
    """Raised by a runner when the marked element is not something its rule can judge."""


ExampleRunner = Callable[[Rule, Example, ParsedPage], bool]
EXAMPLE_RUNNERS: dict[str, ExampleRunner] = {}
# Where other rule kinds keep their ``run_example`` runner, imported only when needed so
# this module does not depend on every check module.
RUNNER_MODULES: dict[str, str] = {
    "a11y": "dcaudit.checks.static_a11y",
    "exclusion": "dcaudit.checks.exclusion",
    "security": "dcaudit.checks.security",
}


def register_example_runner(pack_kind: str, runner: ExampleRunner) -> None:
    """Let a rule kind (a11y, exclusion ...) run its own examples in ``dcaudit rules test``."""
    EXAMPLE_RUNNERS[pack_kind] = runner


def example_runner(pack_kind: str) -> ExampleRunner | None:
    """The registered runner for a pack kind, else ``run_example`` of its RUNNER_MODULES entry."""
    runner = EXAMPLE_RUNNERS.get(pack_kind)
    module_name = RUNNER_MODULES.get(pack_kind)
    if runner is None and module_name is not None:
        try:
            found = getattr(importlib.import_module(module_name), "run_example", None)
        except ImportError:
            found = None
        if callable(found):
            runner = found
            register_example_runner(pack_kind, found)
    return runner


@dataclass(frozen=True)
class RuleRow:
    id: str
    pack: str
    title: str
    status: str


@dataclass(frozen=True)
class ExampleResult:
    line: int
    expect: bool
    passed: bool
    reason: str


@dataclass(frozen=True)
class RuleTestResult:
    rule_id: str
    pack: str
    examples: tuple[ExampleResult, ...] = ()
    problems: tuple[str, ...] = ()  # e.g. no example file, no "ok" example

    @property
    def passed(self) -> bool:
        return not self.problems and all(e.passed for e in self.examples)

    def describe(self) -> str:
        lines = [f"{self.rule_id} ({self.pack}): {'ok' if self.passed else 'FAILED'}"]
        lines.extend(f"  {problem}" for problem in self.problems)
        for example in self.examples:
            if not example.passed:
                mark = "expect" if example.expect else "ok"
                lines.append(f"  line {example.line} ({mark}): {example.reason}")
        return "\n".join(lines)


@dataclass(frozen=True)
class RuleTestReport:
    results: tuple[RuleTestResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def ok(self) -> bool:
        return self.passed

    @property
    def failures(self) -> tuple[RuleTestResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def summary(self) -> str:
        examples = sum(len(r.examples) for r in self.results)
        failed = self.failures
        head = f"{len(self.results)} rules, {examples} examples, {len(failed)} rules failing"
        return "\n".join([head, *(r.describe() for r in failed)])

    def render(self) -> str:
        """Every rule's outcome, failures with their reasons, then the totals."""
        lines = [r.describe() for r in self.results]
        return "\n".join([*lines, "", self.summary().splitlines()[0]])


def _rules(packs: Iterable[RulePack]) -> list[tuple[RulePack, Rule]]:
    return [(pack, rule) for pack in packs for rule in pack.rules]


def list_rules(packs: Sequence[RulePack]) -> list[RuleRow]:
    """One row per rule, in pack then id order."""
    return sorted(
        (RuleRow(rule.id, pack.name, rule.title, rule.status) for pack, rule in _rules(packs)),
        key=lambda row: (row.pack, row.id),
    )


def _find(packs: Sequence[RulePack], rule_id: str) -> tuple[RulePack, Rule]:
    for pack, rule in _rules(packs):
        if rule.id == rule_id.strip().upper():
            return pack, rule
    raise ConfigError(f"unknown rule id '{rule_id}' (see 'dcaudit rules list')")


def show_rule(packs: Sequence[RulePack], rule_id: str) -> str:
    """A rule's documentation, its match and result, and its examples, as plain text."""
    pack, rule = _find(packs, rule_id)
    raw = rule.raw
    lines = [
        f"{rule.id}  {rule.title}",
        f"pack: {pack.name} {pack.version} ({pack.kind}"
        + (f", language {pack.language})" if pack.language else ")"),
        f"status: {rule.status}  since: {rule.since}"
        + (f"  replaced by: {rule.replaced_by}" if rule.replaced_by else ""),
    ]
    if raw.get("message"):
        lines += ["", str(raw["message"]).strip()]
    lines += ["", rule.help]
    technical = {k: raw[k] for k in ("applies_to", "match", "result", "weight") if k in raw}
    if technical:
        dumped = yaml.safe_dump(
            technical, sort_keys=False, allow_unicode=True, default_flow_style=None, width=96
        )
        lines += ["", dumped.rstrip()]
    example_path = Path(rule.example_file)
    if example_path.is_file():
        root = lxml.html.document_fromstring(example_path.read_text(encoding="utf-8"))
        shown = [e for e in find_examples(root) if e.rule_id == rule.id]
        if shown:
            lines += ["", "Examples:"]
        for example in shown:
            snippet = lxml.html.tostring(example.element, encoding="unicode", with_tail=False)
            snippet = " ".join(snippet.split())
            if len(snippet) > 300:
                snippet = snippet[:299] + "…"
            lines.append(f"  {'expect' if example.expect else 'ok':6} {snippet}")
    return "\n".join(lines)


_ACTIVE_RULES: ContextVar[ClassificationRules | None] = ContextVar("active_rules", default=None)


def test_rules(packs: Sequence[RulePack], rule_ids: Iterable[str] | None = None) -> RuleTestReport:
    """Run the examples of every rule (or of ``rule_ids``) and say which pass."""
    wanted = {r.strip().upper() for r in rule_ids} if rule_ids is not None else None
    compiled = (
        load_classification_rules(packs) if any(p.kind in RULE_PACK_KINDS for p in packs) else None
    )
    token = _ACTIVE_RULES.set(compiled)
    try:
        results = [
            _test_rule(pack, rule)
            for pack, rule in _rules(packs)
            if wanted is None or rule.id in wanted
        ]
    finally:
        _ACTIVE_RULES.reset(token)
    return RuleTestReport(tuple(sorted(results, key=lambda r: (r.pack, r.rule_id))))


test_rules.__test__ = False  # type: ignore[attr-defined]  # not a pytest test function


def _test_rule(pack: RulePack, rule: Rule) -> RuleTestResult:
    path = Path(rule.example_file)
    if not path.is_file():
        return RuleTestResult(rule.id, pack.name, problems=(f"no example file {path.name}",))
    parsed = parse_html(EXAMPLE_PAGE_URL, path.read_text(encoding="utf-8"))
    examples = [e for e in find_examples(parsed.root) if e.rule_id == rule.id]
    problems = []
    if not any(e.expect for e in examples):
        problems.append("needs at least one <!-- expect: ... --> example")
    if not any(not e.expect for e in examples):
        problems.append("needs at least one <!-- ok: ... --> example")
    runner = example_runner(pack.kind)
    outcomes = []
    for example in examples:
        if runner is None:
            outcomes.append(
                ExampleResult(
                    example.line,
                    example.expect,
                    False,
                    f"not runnable: no example runner is registered for '{pack.kind}' rules",
                )
            )
            continue
        try:
            fired = runner(rule, example, parsed)
        except ExampleNotApplicable as exc:
            outcomes.append(ExampleResult(example.line, example.expect, False, str(exc)))
            continue
        if fired == example.expect:
            outcomes.append(ExampleResult(example.line, example.expect, True, ""))
        else:
            reason = "the rule did not fire" if example.expect else "the rule fired"
            outcomes.append(ExampleResult(example.line, example.expect, False, reason))
    return RuleTestResult(rule.id, pack.name, tuple(outcomes), tuple(problems))


# -- the runner for classification, platforms and documents rules ------------------------------

_EXTRACTED_KEY = "dcaudit.rules_cli.interactions"


def _interaction_for(
    element: lxml.html.HtmlElement, parsed: ParsedPage, rules: ClassificationRules
) -> Interaction | None:
    cached = parsed._cache.get(_EXTRACTED_KEY)
    if not (isinstance(cached, tuple) and cached[0] is rules):
        cached = (rules, extract_interactions(parsed, rules=rules, keep_all_links=True))
        parsed._cache[_EXTRACTED_KEY] = cached
    interactions: list[Interaction] = cached[1]
    sources = interaction_sources(parsed).by_id
    by_element = {sources[i.id].element: i for i in interactions if i.id in sources}
    if element in by_element:
        return by_element[element]
    for inner in element.iterdescendants():  # e.g. the mark sits on a wrapper
        if inner in by_element:
            return by_element[inner]
    return None


def run_classification_example(rule: Rule, example: Example, parsed: ParsedPage) -> bool:
    """Build the interaction from the marked element and evaluate this one rule on it."""
    rules = _ACTIVE_RULES.get() or default_classification_rules()
    if rules.rule(rule.id) is None:
        raise ExampleNotApplicable(f"{rule.id} is not a loaded classification rule")
    interaction = _interaction_for(example.element, parsed, rules)
    if interaction is None:
        raise ExampleNotApplicable("no interaction is extracted from the marked element")
    source = interaction_sources(parsed).by_id.get(interaction.id)
    subject = rules.subject(interaction, source, rules.page_context(parsed))
    return rules.evaluate_rule(rule.id, subject) is not None


for _kind in RULE_PACK_KINDS:
    register_example_runner(_kind, run_classification_example)
