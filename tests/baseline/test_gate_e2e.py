"""The gate a team adopts on a site with known debt, end to end over real HTTP on loopback:
audit version 1, save the baseline, audit version 2, fail on what got worse only."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ..core.audits import dcaudit
from .site import serve

GATE = (
    "--fail-on",
    "new>0",
    "--fail-on",
    "lost_two_way>0",
    "--fail-on",
    "new.serious>0",
    "--fail-on",
    "new.rule(DCA001)>0",
    "--fail-on",
    "site_risk_delta>5",
)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """Version 1 audited and saved as the baseline, then version 2 audited against it."""
    cwd = tmp_path_factory.mktemp("gate")
    with serve() as site:
        first = dcaudit("audit", site.url, "--no-browser", "--out", "out", "-q", *GATE, cwd=cwd)
        # conditions on the difference need a baseline: refused before anything runs
        assert first.returncode == 2, first.stderr
        assert first.stderr.strip().splitlines() == [
            "dcaudit: error: fail-on condition 'new>0' compares with a baseline: give "
            "--baseline FILE (dcaudit baseline save writes one)"
        ]
        first = dcaudit("audit", site.url, "--no-browser", "--out", "out", "-q", cwd=cwd)
        assert first.returncode == 0, first.stderr
        saved = dcaudit("baseline", "save", "--out", "out", cwd=cwd)
        assert saved.returncode == 0, saved.stderr
        site.version = 2
        second = dcaudit(
            "audit",
            site.url,
            "--no-browser",
            "--out",
            "out",
            "-q",
            "--baseline",
            "dcaudit-baseline.json",
            "--format",
            "html,md,sarif,json",
            *GATE,
            cwd=cwd,
        )
    return cwd, second


def test_gate_fails_on_exactly_the_new_problem_and_the_lost_two_way_interaction(
    two_runs: tuple[Path, subprocess.CompletedProcess],
) -> None:
    _, second = two_runs
    assert second.returncode == 1, second.stderr
    failed = [line for line in second.stderr.splitlines() if line.startswith("FAILED")]
    # the new problem is critical, not serious; site risk went down
    assert failed == [
        "FAILED: new violations: 1 > 0",
        "FAILED: two-way interactions lost: 1 > 0",
        "FAILED: new DCA001 violations: 1 > 0",
    ]
    out = second.stdout.splitlines()
    # new problems first, then what was lost, then the one-line count
    assert out[0] == (
        "NEW: critical DCA001 Images have a text alternative: /news/ "
        "(main#main img[src=/img/fete.jpg])"
    )
    assert out[1] == 'LOST: consultative form "have your say" on /consultations/parks-plan/: gone'
    assert out[2].startswith("baseline ")
    assert "1 new, 2 fixed, 2 unchanged; 1 two-way lost" in out[2]
    assert "interactions 1 new, 1 gone, 0 reclassified" in out[2]


def test_reports_name_the_new_problem_and_the_lost_interaction(
    two_runs: tuple[Path, subprocess.CompletedProcess],
) -> None:
    cwd, _ = two_runs
    summary = (cwd / "out" / "summary.md").read_text(encoding="utf-8")
    new = summary.split("#### New problems (1)\n\n", 1)[1].split("\n", 1)[0]
    assert new == (
        "1. **critical** `DCA001` Images have a text alternative: `/news/` "
        "`main#main img[src=/img/fete.jpg]`"
    )
    assert "#### Two-way interactions lost (1)\n\n1. **consultative** form" in summary
    html = (cwd / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="changes-h">Changes since the baseline' in html
    assert "main#main img[src=/img/fete.jpg]" in html
    sarif = json.loads((cwd / "out" / "report.sarif").read_text(encoding="utf-8"))
    states = [r["baselineState"] for r in sarif["runs"][0]["results"]]
    assert sorted(states) == ["absent", "absent", "new", "unchanged", "unchanged"]
    report = json.loads((cwd / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["summary"]["findings"]["by_outcome"]["violation"] == 3


def test_diff_between_the_two_runs_names_them(
    two_runs: tuple[Path, subprocess.CompletedProcess],
) -> None:
    cwd, _ = two_runs
    diff = dcaudit("diff", "previous", "latest", "--out", "out", "--format", "json", cwd=cwd)
    assert diff.returncode == 0, diff.stderr
    changes = json.loads(diff.stdout)
    new = changes["findings"]["new"]
    assert [(f["rule"], f["page"], f["locator"]) for f in new] == [
        ("DCA001", "/news/", "main#main img[src=/img/fete.jpg]")
    ]
    fixed = {(f["rule"], f["page"]) for f in changes["findings"]["fixed"]}
    assert fixed == {("DCA001", "/services/bins/"), ("DCA004", "/contact/")}
    gone = changes["interactions"]["gone"]
    assert [(g["before"]["class"], g["before"]["page"]) for g in gone] == [
        ("consultative", "/consultations/parks-plan/")
    ]
    assert changes["interactions"]["lost_two_way"] == 1
    assert [a["after"]["target"] for a in changes["interactions"]["new"]] == [
        "mailto:parks@bryn.example"
    ]
    assert changes["risk"]["delta"] == pytest.approx(
        changes["risk"]["after"] - changes["risk"]["before"], abs=0.05
    )
    gated = dcaudit("diff", "previous", "latest", "--out", "out", *GATE[:4], cwd=cwd)
    assert gated.returncode == 1
    assert "#### New problems (1)" in gated.stdout
    assert "Full report: report.html" in gated.stdout


def test_baseline_update_accepts_the_current_state(
    two_runs: tuple[Path, subprocess.CompletedProcess], tmp_path: Path
) -> None:
    cwd, _ = two_runs
    baseline = cwd / "dcaudit-baseline.json"
    again = dcaudit("baseline", "save", "--out", "out", cwd=cwd)
    assert again.returncode == 2
    assert "exists: dcaudit baseline update accepts the current state" in again.stderr
    copy = tmp_path / "baseline.json"
    copy.write_text(baseline.read_text(encoding="utf-8"), encoding="utf-8")
    updated = dcaudit("baseline", "update", "--out", "out", "--file", str(copy), cwd=cwd)
    assert updated.returncode == 0, updated.stderr
    assert "1 new, 2 fixed" in updated.stdout
    accepted = dcaudit("diff", str(copy), "latest", "--out", "out", "--format", "text", cwd=cwd)
    assert accepted.returncode == 0
    assert "0 new, 0 fixed" in accepted.stdout.splitlines()[-1]
    assert "0 two-way lost" in accepted.stdout


def test_missing_or_broken_baseline_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = dcaudit("audit", "http://127.0.0.1:9/", "--baseline", "nope.json", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "dcaudit: error: no baseline file nope.json: write one with dcaudit baseline save "
        "--file nope.json"
    ]
    (tmp_path / "bad.json").write_text('{"schema": "something else"}', encoding="utf-8")
    bad = dcaudit("audit", "http://127.0.0.1:9/", "--baseline", "bad.json", cwd=tmp_path)
    assert bad.returncode == 2
    assert "is not a dcaudit baseline" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not (tmp_path / "reports").exists()  # refused before anything was stored
