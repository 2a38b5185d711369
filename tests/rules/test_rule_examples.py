"""Every classification, platform and document rule runs its examples through
``dcaudit rules test`` (dcaudit.cli_rules.test_rules), one test per rule."""

from __future__ import annotations

import pytest

from dcaudit import cli_rules
from dcaudit.classify.rules import RULE_PACK_KINDS
from dcaudit.engine.packs import Rule, load_packs

PACKS = [p for p in load_packs() if p.kind in RULE_PACK_KINDS]
RULES = [pytest.param(rule, id=rule.id) for pack in PACKS for rule in pack.rules]


@pytest.fixture(scope="module")
def report() -> cli_rules.RuleTestReport:
    return cli_rules.test_rules(PACKS)


def test_rule_examples_cover_every_classification_pack() -> None:
    names = {p.name for p in PACKS}
    assert {"classify-core", "classify-en", "classify-cy", "platforms", "documents"} <= names
    assert len(RULES) >= 80


@pytest.mark.parametrize("rule", RULES)
def test_rule_examples_pass(report: cli_rules.RuleTestReport, rule: Rule) -> None:
    result = next(r for r in report.results if r.rule_id == rule.id)
    assert len(result.examples) >= 2
    assert result.passed, result.describe()


@pytest.mark.parametrize("rule", RULES)
def test_rule_documentation_is_complete(rule: Rule) -> None:
    for heading in ("What it checks", "Why it matters", "Example", "References"):
        assert heading in rule.help, f"{rule.id} help lacks '{heading}'"
    assert str(rule.raw.get("message", "")).strip()
    assert rule.raw.get("slug")
