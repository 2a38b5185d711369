"""Baseline files and the comparison: small, sorted, safe to commit; new, fixed, lost."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from dcaudit.baseline import (
    baseline_of,
    carry_annotations,
    read_baseline,
    render_baseline,
    write_baseline,
)
from dcaudit.config import Settings
from dcaudit.diff import compare
from dcaudit.errors import ConfigError
from dcaudit.gate import evaluate, needs_baseline, parse_conditions
from dcaudit.models import (
    Finding,
    Impact,
    Interaction,
    InteractionClass,
    Kind,
    Outcome,
    Page,
    Risk,
    Run,
    Source,
)
from dcaudit.resume import resume_settings
from dcaudit.summary import summarise

HOST = "https://council.example"


def run(risk: float = 10.0) -> Run:
    return Run(
        id="r1",
        started="2026-01-01T00:00:00Z",
        seeds=(HOST + "/",),
        settings={},
        tool={"version": "0.1.0", "rule_packs": {"static-a11y": "0.1.0"}},
        risk=Risk(risk),
    )


def page(path: str) -> Page:
    return Page(url=HOST + path, final_url=HOST + path, status=200, content_type="text/html",
                bytes=1, depth=0)  # fmt: skip


def finding(rule: str, path: str, locator: str, impact: Impact = Impact.SERIOUS) -> Finding:
    return Finding(
        id=f"{rule}{path}{locator}",
        fingerprint="f",
        rule=rule,
        source=Source.STATIC,
        outcome=Outcome.VIOLATION,
        impact=impact,
        page=HOST + path,
        message="secret page text",
        selector="html > body > img:nth-of-type(3)",
        snippet='<img src="x" data-token="s3cr3t">',
        locator=locator,
        line=12,
    )


def form(path: str, label: str, cls: InteractionClass) -> Interaction:
    return Interaction(
        id=f"{path}{label}",
        page=HOST + path,
        kind=Kind.FORM,
        label=label,
        selector="form",
        target=HOST + path + "send",
        interaction_class=cls,
    )


PAGES = [page("/"), page("/news/bins-change/"), page("/consult/")]
FINDINGS = [
    finding("DCA001", "/news/bins-change/", "main img[src=/a.png]"),
    finding("DCA001", "/news/park-open/", "main img[src=/a.png]"),  # same identity
    finding("DCA014", "/consult/", "main form input[name=q]", Impact.CRITICAL),
]
INTERACTIONS = [
    form("/consult/", "Have your say", InteractionClass.CONSULTATIVE),
    form("/", "Search", InteractionClass.UTILITY),
]


def test_baseline_file_is_sorted_one_line_per_entry_and_holds_no_page_content() -> None:
    text = render_baseline(baseline_of(run(), PAGES, INTERACTIONS, FINDINGS))
    data = json.loads(text)
    assert data["schema"] == "dcaudit/baseline/v1"
    assert data["pages"] == ["/", "/consult/", "/news/bins-change/"]
    assert [f["rule"] for f in data["findings"]] == ["DCA001", "DCA014"]
    assert data["findings"][0]["template"] == "/news/*/"
    assert data["rule_packs"] == {"static-a11y": "0.1.0"}
    lines = text.splitlines()
    assert sum(1 for line in lines if '"rule": "DCA0' in line) == 2  # one line each
    for secret in ("secret page text", "s3cr3t", "nth-of-type", "council.example/"):
        assert secret not in text
    assert render_baseline(baseline_of(run(), PAGES[::-1], INTERACTIONS[::-1], FINDINGS[::-1])) == (
        text
    )


def test_baseline_round_trips_through_a_file(tmp_path: Path) -> None:
    baseline = baseline_of(run(), PAGES, INTERACTIONS, FINDINGS)
    write_baseline(tmp_path / "b.json", baseline)
    assert read_baseline(tmp_path / "b.json") == baseline


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "is not JSON"),
        ('{"schema": "dcaudit/report/v1"}', "'schema' must be 'dcaudit/baseline/v1'"),
        ('{"schema": "dcaudit/baseline/v1", "identity": 0}', "identity version 0"),
        ('{"schema": "dcaudit/baseline/v1", "identity": 1, "findings": [{}]}', "'id'"),
    ],
)
def test_a_broken_baseline_is_one_config_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"b\.json") as caught:
        read_baseline(path)
    assert problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_compare_marks_new_unchanged_fixed_and_lost_two_way() -> None:
    baseline = baseline_of(run(10.0), PAGES, INTERACTIONS, FINDINGS)
    findings = [
        finding("DCA001", "/news/third-story/", "main img[src=/a.png]"),  # known on the layout
        finding("DCA001", "/news/bins-change/", "main img[src=/b.png]"),  # new
    ]
    interactions = [
        form("/consult/", "Have your say", InteractionClass.DIGITAL_LAYER),  # became one-way
        form("/", "Search", InteractionClass.UTILITY),
        form("/contact/", "Send a message", InteractionClass.DIGITAL_LAYER),  # appeared
    ]
    pages = [*PAGES[:2], page("/contact/")]
    changes = compare(baseline, run(17.5), pages, interactions, findings)
    assert [c.entry.locator for c in changes.new] == ["main img[src=/b.png]"]
    assert [c.entry.rule for c in changes.fixed] == ["DCA014"]
    assert changes.unchanged == 1
    assert [c.before.label for c in changes.reclassified if c.before] == ["have your say"]
    assert [c.after.cls for c in changes.lost_two_way if c.after] == ["digital_layer"]
    assert [c.entry.label for c in changes.appeared] == ["send a message"]
    assert (changes.pages_added, changes.pages_removed) == (("/contact/",), ("/consult/",))
    assert changes.risk_delta == 7.5
    assert changes.state == {findings[0].id: "unchanged", findings[1].id: "new"}


def test_gate_conditions_on_the_difference() -> None:
    baseline = baseline_of(run(10.0), PAGES, INTERACTIONS, FINDINGS)
    findings = [*FINDINGS, finding("DCA009", "/", "main a[href=/x]", Impact.MODERATE)]
    changes = compare(baseline, run(16.0), PAGES, INTERACTIONS[1:], findings)
    conditions = parse_conditions(
        [
            "new>0",
            "new.serious>0",
            "new.moderate>0",
            "new.rule(DCA009)>0",
            "new.rule(dca001)>0",
            "lost_two_way>0",
            "site_risk_delta>5",
            "serious>0",
        ]
    )
    assert needs_baseline(conditions) == [c.text for c in conditions[:-1]]
    summary = summarise(run(16.0), PAGES, INTERACTIONS[1:], findings)
    assert evaluate(conditions, summary, changes) == [
        "new violations: 1 > 0",
        "new moderate violations: 1 > 0",
        "new DCA009 violations: 1 > 0",
        "two-way interactions lost: 1 > 0",
        "site risk change: 6 > 5",
        "serious violations: 2 > 0",
    ]


def test_unknown_change_metric_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"unknown metric 'new.severe'.*new.rule\(ID\)"):
        parse_conditions(["new.severe>0"])


def test_an_expired_entry_no_longer_covers_its_finding() -> None:
    baseline = baseline_of(run(), PAGES, INTERACTIONS, FINDINGS)
    dated = replace(
        baseline,
        findings=tuple(
            replace(e, expires="2026-03-31", note="fix by spring") if e.rule == "DCA014" else e
            for e in baseline.findings
        ),
    )
    before = compare(dated, run(), PAGES, INTERACTIONS, FINDINGS, today=date(2026, 3, 31))
    assert before.new == () and before.expired == ()
    after = compare(dated, run(), PAGES, INTERACTIONS, FINDINGS, today=date(2026, 4, 1))
    assert [(c.entry.rule, c.expired) for c in after.new] == [("DCA014", "2026-03-31")]
    assert [e.rule for e in after.expired] == ["DCA014"]
    # an update keeps the hand-written date and note on entries still there
    kept = carry_annotations(dated, baseline_of(run(), PAGES, INTERACTIONS, FINDINGS))
    assert [(e.expires, e.note) for e in kept.findings if e.rule == "DCA014"] == [
        ("2026-03-31", "fix by spring")
    ]
    assert '"expires": "2026-03-31"' in render_baseline(kept)


def test_a_resumed_run_can_be_compared_with_a_baseline() -> None:
    given = {"baseline": ("dcaudit-baseline.json", "option --baseline")}
    resumed = resume_settings(Settings().to_dict(), given)
    assert resumed.settings.baseline == "dcaudit-baseline.json"
    assert resumed.notes and "baseline" in resumed.notes[0]
