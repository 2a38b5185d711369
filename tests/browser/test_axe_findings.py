"""axe output -> Findings, without a browser (the payload shape of our page runner)."""

from __future__ import annotations

from typing import Any

from dcaudit.browser.axe_findings import (
    SNIPPET_LIMIT,
    axe_findings,
    axe_rule_help,
    finding_fingerprint,
    join_target,
    wcag_criteria,
)
from dcaudit.models import Impact, Outcome, Source

PAGE = "http://127.0.0.1:8123/apply?step=1"


def rule(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "label",
        "impact": "critical",
        "tags": ["cat.forms", "wcag2a", "wcag412", "EN-301-549"],
        "help": "Form elements must have labels",
        "helpUrl": "https://dequeuniversity.com/rules/axe/4.14/label",
        "nodes": [
            {
                "target": ["#name"],
                "html": '<input id="name">',
                "impact": "critical",
                "failureSummary": "Fix any of the following: no label",
                "owner": 0,
            }
        ],
    }
    base.update(overrides)
    return base


def test_wcag_criteria_reads_success_criteria_and_skips_level_tags() -> None:
    tags = ["wcag2a", "wcag111", "wcag1410", "wcag21aa", "best-practice", "wcag412", "wcag111", 7]

    assert wcag_criteria(tags) == ("1.1.1", "1.4.10", "4.1.2")


def test_join_target_joins_frame_and_shadow_hops() -> None:
    assert join_target(["#main > img"]) == "#main > img"
    assert join_target(["iframe#survey", "button"]) == "iframe#survey >>> button"
    assert join_target([["#widget", "input"]]) == "#widget >>> input"
    assert join_target([{"not": "a selector"}]) is None
    assert join_target("#name") is None


def test_finding_fingerprint_ignores_scheme_host_and_port_but_not_path() -> None:
    here = finding_fingerprint("axe/label", PAGE, "#name")

    assert here == finding_fingerprint("axe/label", "https://council.example/apply?step=1", "#name")
    assert here != finding_fingerprint("axe/label", "http://127.0.0.1:8123/apply?step=2", "#name")
    assert here != finding_fingerprint("axe/label", PAGE, "#other")
    assert here != finding_fingerprint("axe/image-alt", PAGE, "#name")


def test_axe_findings_builds_one_finding_per_node() -> None:
    results = {"violations": [rule()], "incomplete": [rule(id="color-contrast", impact=None)]}

    violation, review = axe_findings(PAGE, results, ["ia-1"])

    assert violation.rule == "axe/label" and violation.outcome is Outcome.VIOLATION
    assert violation.source is Source.AXE and violation.impact is Impact.CRITICAL
    assert violation.wcag == ("4.1.2",) and violation.selector == "#name"
    assert violation.message == "Fix any of the following: no label"
    assert violation.interaction == "ia-1" and violation.page == PAGE
    assert violation.help_url == "https://dequeuniversity.com/rules/axe/4.14/label"
    assert review.rule == "axe/color-contrast" and review.outcome is Outcome.NEEDS_REVIEW
    assert review.id != violation.id


def test_axe_findings_distrusts_what_the_page_returned() -> None:
    nodes: list[Any] = [
        {"target": ["#a"], "html": "<p>" + "x" * 5000, "impact": "apocalyptic", "owner": True},
        {"target": ["#b"], "html": 42, "failureSummary": None, "owner": 9},
        {"target": ["#b"], "html": "<p>again</p>"},  # the same node twice: kept once
        "not a node",
        {"target": None},
    ]
    results: dict[str, Any] = {
        "violations": [rule(nodes=nodes, impact=None), {"id": None}, "junk"],
        "incomplete": "not a list",
    }

    findings = axe_findings(PAGE, results, ["ia-1"])

    first, second, third = findings
    assert first.snippet is not None and len(first.snippet) == SNIPPET_LIMIT
    assert first.impact is None and first.interaction is None  # bool is not an index
    assert second.snippet is None and second.interaction is None  # index out of range
    assert second.message == "Form elements must have labels"  # the rule help stands in
    assert third.selector is None


def test_axe_rule_help_is_the_rule_s_own_description() -> None:
    # reports describe axe rules by this, never by one node's failure summary
    results: dict[str, Any] = {
        "violations": [rule(), rule(id="image-alt", help=" Images  must have alt text "), "junk"],
        "incomplete": [rule(), rule(id="bad", help=None), {"id": None, "help": "x"}],
    }
    assert axe_rule_help(results) == (
        ("axe/image-alt", "Images must have alt text"),
        ("axe/label", "Form elements must have labels"),
    )
    assert axe_rule_help({"violations": "not a list"}) == ()
