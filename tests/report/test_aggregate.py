"""Findings grouped by rule and ranked for fixing."""

from __future__ import annotations

from dataclasses import replace

from dcaudit.models import Impact, Mode, Outcome, Source
from dcaudit.report import build_report_data
from dcaudit.report.aggregate import (
    ACCESSIBILITY,
    FACTORS,
    SITE_WIDE,
    FixGroup,
    fix_groups,
    group_by_rule,
    link,
)

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
    # DCX004 (CAPTCHA) sits on a consultation and on a digital-layer enquiry form
    links = link(fixture.interactions, fixture.findings)
    groups = group_by_rule(fixture.findings, links, outcome=Outcome.VIOLATION, sources=FACTORS)
    captcha = next(g for g in groups if g.rule == "DCX004")
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


def test_group_by_rule_describes_a_rule_by_its_title_never_an_instance(
    fixture: FixtureRun,
) -> None:
    data = build_report_data(fixture.run, fixture.pages, fixture.interactions, fixture.findings)
    links = link(fixture.interactions, fixture.findings)
    groups = group_by_rule(
        fixture.findings, links, outcome=Outcome.VIOLATION, sources=FACTORS, texts=data.rules
    )
    captcha = next(g for g in groups if g.rule == "DCX004")
    assert captcha.title == "No CAPTCHA in the way"
    assert captcha.advice and captcha.advice.startswith("A CAPTCHA")
    messages = {f.message for f in fixture.findings}
    assert not any(g.title in messages or g.advice in messages for g in groups)


def _fix(fixture: FixtureRun, **changes: object) -> tuple[list[FixGroup], int]:
    data = build_report_data(fixture.run, fixture.pages, fixture.interactions, fixture.findings)
    pages = {p.url: replace(p, **changes) for p in fixture.pages}  # type: ignore[arg-type]
    return fix_groups(link(fixture.interactions, fixture.findings), pages, data.rules, 50)


def test_fix_groups_rank_by_two_way_interactions_unblocked(fixture: FixtureRun) -> None:
    groups, total = _fix(fixture)
    assert total == len(groups)
    unblocked = [len(g.two_way) for g in groups]
    assert unblocked == sorted(unblocked, reverse=True) and unblocked[0] >= 1
    # one card per rule and page: the two labels on the missed-bin form are one fix
    label = [g for g in groups if g.rule == "axe/label"]
    assert len(label) == 1 and [i.label for i in label[0].two_way] == [
        "Report a missed bin collection"
    ]
    assert label[0].title == "Form elements must have labels"
    assert all(i.mode is not Mode.TWO_WAY for g in groups for i in g.others)


def test_fix_groups_join_pages_that_share_a_template(fixture: FixtureRun) -> None:
    # every page on one layout: a rule's violations on several pages are one fix
    contrast = [g for g in _fix(fixture)[0] if g.rule == "axe/color-contrast"]
    shared = [g for g in _fix(fixture, template="t1")[0] if g.rule == "axe/color-contrast"]
    assert len(shared) == 1 and len(shared[0].pages) >= len(contrast)


def test_fix_groups_join_a_site_wide_fix_across_templates(fixture: FixtureRun) -> None:
    # DCX001 (no assisted route) is fixed once for the whole site: one card, every page
    route = fixture.findings[0]
    extra = [
        replace(route, id=f"r{n}", rule="DCX001", interaction=i.id, page=i.page)
        for n, i in enumerate(fixture.interactions)
        if i.mode is Mode.TWO_WAY
    ]
    data = build_report_data(fixture.run, fixture.pages, fixture.interactions, extra)
    pages = {p.url: replace(p, template=p.url) for p in fixture.pages}
    groups, _ = fix_groups(link(fixture.interactions, extra), pages, data.rules)
    assert [(g.rule, g.template, len(g.two_way)) for g in groups] == [
        ("DCX001", SITE_WIDE, len(extra))
    ]
