"""Findings grouped by rule and ranked for fixing."""

from __future__ import annotations

from dataclasses import replace

from dcaudit.models import Impact, Mode, Outcome, Source
from dcaudit.report.aggregate import ACCESSIBILITY, FACTORS, fix_first, group_by_rule, link

from .fixture_run import FixtureRun


def test_group_by_rule_counts_pages_and_nodes(fixture: FixtureRun) -> None:
    links = link(fixture.interactions, fixture.findings)
    groups = group_by_rule(
        fixture.findings, links, outcome=Outcome.VIOLATION, sources=ACCESSIBILITY
    )
    contrast = next(g for g in groups if g.rule == "axe/color-contrast")
    assert (contrast.page_count, contrast.nodes) == (3, 3)  # the review one is apart
    assert groups[0].impact is Impact.CRITICAL
    assert [g.impact for g in groups] == sorted(
        (g.impact for g in groups),
        key=lambda i: -["minor", "moderate", "serious", "critical"].index(i.value),
    )


def test_group_by_rule_lists_only_two_way_interactions_as_blocked(fixture: FixtureRun) -> None:
    # DCX010 (CAPTCHA) sits on a consultation and on a digital-layer enquiry form
    links = link(fixture.interactions, fixture.findings)
    groups = group_by_rule(fixture.findings, links, outcome=Outcome.VIOLATION, sources=FACTORS)
    captcha = next(g for g in groups if g.rule == "DCX010")
    assert captcha.nodes == 2
    assert [i.label for i in captcha.blocked.values()] == ["Local Plan consultation questionnaire"]
    assert captcha.blocked_total == 1
    for group in groups:
        assert all(i.mode is Mode.TWO_WAY for i in group.blocked.values())


def test_group_by_rule_caps_instances_but_counts_all(fixture: FixtureRun) -> None:
    base = fixture.findings[0]
    many = [replace(base, id=f"x{n}", page=f"https://x.example/{n}") for n in range(75)]
    (group,) = group_by_rule(many, link([], many), outcome=Outcome.VIOLATION, sources=(Source.AXE,))
    assert (len(group.instances), group.nodes, group.page_count, group.more) == (50, 75, 75, 25)


def test_fix_first_puts_two_way_before_one_way_then_worst_barrier(fixture: FixtureRun) -> None:
    items = fix_first(link(fixture.interactions, fixture.findings), limit=50)
    modes = [i.interaction.mode for i in items]
    assert modes == sorted(modes, key=lambda m: m is not Mode.TWO_WAY)
    assert items[0].interaction.label == "Report a missed bin collection"
    assert items[0].worst is Impact.CRITICAL
    assert all(f.outcome is Outcome.VIOLATION for item in items for f in item.barriers)
