"""summarise: figures from the fixture run, and the edge cases that change a headline."""

from __future__ import annotations

from dataclasses import replace

from dcaudit.models import FourCo, InteractionClass, Mode, Outcome, Risk, RunStatus
from dcaudit.summary import attached_findings, summarise

from .fixture_run import FixtureRun


def _summary(fx: FixtureRun) -> dict:
    return summarise(fx.run, fx.pages, fx.interactions, fx.findings)


def test_summarise_counts_every_class_and_mode(fixture: FixtureRun) -> None:
    s = _summary(fixture)
    assert s["interactions"]["total"] == len(fixture.interactions) == 18
    assert s["interactions"]["by_class"] == {
        "utility": 3,
        "information": 3,
        "digital_layer": 3,
        "transactional": 3,
        "consultative": 4,
        "collaborative": 2,
    }
    assert s["interactions"]["by_mode"] == {"none": 3, "one_way": 6, "two_way": 9}


def test_summarise_two_way_share_excludes_utilities(fixture: FixtureRun) -> None:
    # 9 two-way of 15 non-utility interactions (3 of the 18 are utilities)
    assert _summary(fixture)["two_way_share"] == 0.6


def test_summarise_two_way_share_is_none_without_non_utility_interactions(
    fixture: FixtureRun,
) -> None:
    utilities = [i for i in fixture.interactions if i.interaction_class is InteractionClass.UTILITY]
    s = summarise(fixture.run, fixture.pages, utilities, [])
    assert s["two_way_share"] is None
    assert summarise(fixture.run, fixture.pages, [], [])["two_way_share"] is None


def test_summarise_four_cos_coverage_counts_only_two_way(fixture: FixtureRun) -> None:
    # a Co tag on a one-way item does not give people an online route
    one_way_design = [
        replace(i, four_cos=(FourCo.CO_DESIGN,))
        for i in fixture.interactions
        if i.mode is Mode.ONE_WAY
    ]
    s = summarise(fixture.run, fixture.pages, one_way_design, [])
    assert s["four_cos_coverage"]["count"] == 0
    assert s["four_cos_coverage"]["missing"] == [c.value for c in FourCo]
    assert _summary(fixture)["four_cos_coverage"]["count"] == 4


def test_summarise_keeps_violations_and_needs_review_apart(fixture: FixtureRun) -> None:
    s = _summary(fixture)["findings"]
    assert s["by_outcome"] == {"violation": 27, "needs_review": 4, "error": 1}
    assert s["by_impact"] == {
        "critical": 5,
        "serious": 14,
        "moderate": 8,
        "minor": 0,
        "unrated": 0,
    }
    assert s["needs_review_by_impact"]["serious"] == 1
    assert sum(s["by_source"].values()) == s["total"] == len(fixture.findings)


def test_summarise_blocked_two_way_counts_interactions_with_violations(
    fixture: FixtureRun,
) -> None:
    assert _summary(fixture)["blocked_two_way"] == 6
    clean = [replace(f, outcome=Outcome.NEEDS_REVIEW) for f in fixture.findings]
    assert (
        summarise(fixture.run, fixture.pages, fixture.interactions, clean)["blocked_two_way"] == 0
    )


def test_summarise_errors_count_failed_pages_and_failed_checks(fixture: FixtureRun) -> None:
    assert _summary(fixture)["errors"] == 2  # one 500 page, one axe timeout


def test_summarise_risk_page_is_max_and_site_is_mean_of_non_utility(
    fixture: FixtureRun,
) -> None:
    first = fixture.interactions[0]
    interactions = [
        replace(
            first,
            id="a",
            interaction_class=InteractionClass.TRANSACTIONAL,
            mode=Mode.TWO_WAY,
            risk=Risk(10.0),
        ),
        replace(
            first,
            id="b",
            interaction_class=InteractionClass.INFORMATION,
            mode=Mode.ONE_WAY,
            risk=Risk(30.0),
        ),
        replace(
            first,
            id="c",
            interaction_class=InteractionClass.UTILITY,
            mode=Mode.NONE,
            risk=Risk(90.0),
        ),
    ]
    risk = summarise(fixture.run, fixture.pages, interactions, [])["risk"]
    assert risk["site"] == 20.0
    assert risk["pages"] == [{"page": first.page, "score": 90.0, "interactions": 3}]
    assert risk["max_page"] == 90.0


def test_summarise_does_not_depend_on_run_status(fixture: FixtureRun) -> None:
    failed = replace(fixture.run, status=RunStatus.FAILED)
    assert summarise(failed, fixture.pages, fixture.interactions, fixture.findings) == (
        _summary(fixture)
    )


def test_attached_findings_joins_both_directions_once(fixture: FixtureRun) -> None:
    interaction = fixture.interactions[4]  # report a missed bin: 4 findings attached
    only_on_finding = [replace(interaction, finding_ids=())]
    only_on_interaction = [replace(f, interaction=None) for f in fixture.findings]
    a = attached_findings(only_on_finding, fixture.findings)[interaction.id]
    b = attached_findings([interaction], only_on_interaction)[interaction.id]
    both = attached_findings([interaction], fixture.findings)[interaction.id]
    assert [f.id for f in a] == [f.id for f in b] == [f.id for f in both]
    assert len(both) == 4


def test_summarise_uses_stored_page_and_site_risk(fixture: FixtureRun) -> None:
    from dcaudit.models import RiskFactor

    news = fixture.pages[0]
    pages = [replace(p, risk=Risk(score=0.0)) for p in fixture.pages]
    # a page with no interactions still carries the risk of its own findings
    pages[0] = replace(news, risk=Risk(score=42.0, factors=(RiskFactor("DCA001", 42.0, "x"),)))
    site = Risk(score=7.5, factors=(RiskFactor("DCX008", 5.0, "site level"),))
    s = summarise(replace(fixture.run, risk=site), pages, fixture.interactions, fixture.findings)
    assert s["risk"]["site"] == 7.5
    assert s["risk"]["site_factors"] == [
        {"factor": "DCX008", "weight": 5.0, "detail": "site level"}
    ]
    assert s["risk"]["pages"][0] == {
        "page": news.url,
        "score": 42.0,
        "interactions": sum(1 for i in fixture.interactions if i.page == news.url),
    }
    assert s["risk"]["max_page"] == 42.0


def test_summarise_counts_a_control_repeated_on_many_pages_once(fixture: FixtureRun) -> None:
    first = fixture.interactions[0]
    repeated = [
        replace(first, id=f"copy-{n}", page=f"https://council.example/p{n}") for n in range(5)
    ]
    s = summarise(fixture.run, fixture.pages, [*fixture.interactions, *repeated], [])
    base = summarise(fixture.run, fixture.pages, fixture.interactions, [])
    assert s["interactions"]["total"] == base["interactions"]["total"] + 5
    assert s["interactions"]["distinct"] == base["interactions"]["distinct"]
