"""Every exclusion, security and static-a11y rule: valid metadata, documented, and its
marked examples (rules/<pack>/tests/<ID>.html) behave as marked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dcaudit.checks import exclusion, security, static_a11y
from dcaudit.checks.findings import CheckRule
from dcaudit.engine.packs import Example, Rule, parse_examples
from dcaudit.parse.document import ParsedPage, parse_html

from .conftest import own_packs

Runner = Callable[[Rule, Example, ParsedPage], bool]
RUNNERS: dict[str, Runner] = {
    "a11y": static_a11y.run_example,
    "exclusion": exclusion.run_example,
    "security": security.run_example,
}
RULES = [
    pytest.param(pack.kind, rule, id=rule.id)
    for pack in own_packs()
    if pack.kind in RUNNERS
    for rule in pack.rules
]


def test_rule_examples_cover_every_pack() -> None:
    kinds = {kind for kind, *_ in (p.values for p in RULES)}
    assert kinds == set(RUNNERS)
    assert len(RULES) >= 15 + 10 + 5


@pytest.mark.parametrize(("kind", "rule"), RULES)
def test_rule_metadata_is_complete(kind: str, rule: Rule) -> None:
    meta = CheckRule.from_rule(rule)
    for heading in ("What it checks", "Why it matters", "Example", "References"):
        assert heading in rule.help, f"{rule.id} help lacks '{heading}'"
    assert meta.message.endswith(".")
    if kind == "a11y":
        assert rule.raw.get("tags"), f"{rule.id} needs WCAG or best-practice tags"


@pytest.mark.parametrize(("kind", "rule"), RULES)
def test_rule_examples_match_their_marks(kind: str, rule: Rule) -> None:
    html = Path(rule.example_file).read_text(encoding="utf-8")
    examples = [e for e in parse_examples(html) if e.rule_id == rule.id]
    assert {e.expect for e in examples} == {True, False}, "needs expect and ok examples"
    parsed = parse_html("https://example.test/examples", html)
    wrong = [
        f"line {e.line}: {'expect' if e.expect else 'ok'}"
        for e in examples
        if RUNNERS[kind](rule, e, parsed) != e.expect
    ]
    assert not wrong, f"{rule.id} examples misbehave: {wrong}"
