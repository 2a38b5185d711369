"""The --fail-on gate: parsing, evaluation and the plain-words failures."""

from __future__ import annotations

import pytest

from dcaudit.errors import ConfigError
from dcaudit.gate import METRICS, Condition, evaluate, metric_values, parse_conditions
from dcaudit.summary import summarise

from .fixture_run import FixtureRun


@pytest.fixture
def summary(fixture: FixtureRun) -> dict:
    return summarise(fixture.run, fixture.pages, fixture.interactions, fixture.findings)


def test_parse_conditions_reads_every_operator() -> None:
    parsed = parse_conditions(
        [
            "critical>0",
            "serious >= 5",
            " two_way_share<0.25 ",
            "site_risk<=40",
            "errors==0",
            "pages!=3",
        ]
    )
    assert [(c.metric, c.op, c.threshold) for c in parsed] == [
        ("critical", ">", 0.0),
        ("serious", ">=", 5.0),
        ("two_way_share", "<", 0.25),
        ("site_risk", "<=", 40.0),
        ("errors", "==", 0.0),
        ("pages", "!=", 3.0),
    ]
    assert parsed[2].text == "two_way_share<0.25"


@pytest.mark.parametrize(
    "bad",
    ["critical", "critical>", ">0", "critical=0", "critical>x", "critical>0 and serious>0", ""],
)
def test_parse_conditions_rejects_malformed_with_example(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"<metric><operator><number>.*serious>0"):
        parse_conditions([bad])


def test_parse_conditions_rejects_unknown_metric_listing_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown metric 'severe'.*critical, serious"):
        parse_conditions(["severe>0"])


def test_evaluate_reports_failures_in_plain_words(summary: dict) -> None:
    failed = evaluate(
        parse_conditions(
            ["serious>0", "critical>=10", "two_way_share<0.75", "site_risk>40", "errors>0"]
        ),
        summary,
    )
    assert failed == [
        "serious violations: 14 > 0",
        "two-way share: 0.6 < 0.75",
        "errors: 2 > 0",
    ]


def test_evaluate_passes_when_no_condition_holds(summary: dict) -> None:
    assert evaluate(parse_conditions(["critical>5", "two_way_share<0.5"]), summary) == []
    assert evaluate([], summary) == []


def test_evaluate_fails_a_condition_on_a_missing_value(fixture: FixtureRun) -> None:
    empty = summarise(fixture.run, fixture.pages, [], [])
    failed = evaluate(parse_conditions(["two_way_share<0.25"]), empty)
    assert failed == ["two-way share: no value (nothing to measure) for two_way_share<0.25"]


def test_metric_values_cover_every_documented_metric(summary: dict) -> None:
    values = metric_values(summary)
    assert set(values) == set(METRICS)
    assert values["blocking"] == 5 + 14
    assert values["violations"] == 27
    assert values["exclusion"] == 7
    assert values["consultative"] == 4
    assert values["four_cos"] == 4


def test_condition_holds_compares_value_to_threshold() -> None:
    assert Condition("serious", ">", 0.0, "serious>0").holds(1)
    assert not Condition("serious", ">", 0.0, "serious>0").holds(0)
