"""interactions.csv and findings.csv: every item, stable columns, no spreadsheet formulas."""

from __future__ import annotations

import csv
import io

from dcaudit.report import ReportData, build_report_data, render_csv
from dcaudit.report.csv import FINDING_COLUMNS, INTERACTION_COLUMNS

from .hostile_run import FORMULA, hostile_run


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_per_item_with_stable_columns(data: ReportData) -> None:
    files = render_csv(data)
    assert set(files) == {"interactions.csv", "findings.csv"}
    interactions = _rows(files["interactions.csv"])
    findings = _rows(files["findings.csv"])
    assert len(interactions) == len(data.interactions)
    assert len(findings) == len(data.findings)
    assert tuple(interactions[0]) == INTERACTION_COLUMNS
    assert tuple(findings[0]) == FINDING_COLUMNS


def test_csv_interaction_row_carries_class_risk_and_findings(data: ReportData) -> None:
    rows = {r["label"]: r for r in _rows(render_csv(data)["interactions.csv"])}
    bins = rows["Report a missed bin collection"]
    assert (bins["class"], bins["mode"], bins["four_cos"]) == (
        "transactional",
        "two_way",
        "co_delivery",
    )
    assert bins["risk_score"] == "58"
    assert bins["violations"] == "4"
    assert len(bins["finding_ids"].split(";")) == 4
    assert bins["closes_loop"] == "yes"
    assert (bins["needs_review"], bins["runner_up"]) == ("no", "")


def test_csv_interaction_row_says_when_a_person_should_check_the_class(data: ReportData) -> None:
    rows = {r["label"]: r for r in _rows(render_csv(data)["interactions.csv"])}
    comment = rows["Comment on the draft policies map"]
    assert (comment["needs_review"], comment["runner_up"]) == ("yes", "information")
    # findings that need review are counted in their own column, apart from the class flag
    assert comment["findings_needing_review"] == "0"
    assert rows["See proposals on the map and their status"]["findings_needing_review"] == "1"


def test_csv_neutralises_spreadsheet_formulas_from_pages() -> None:
    fx = hostile_run()
    data = build_report_data(fx.run, fx.pages, fx.interactions, fx.findings)
    rows = _rows(render_csv(data)["interactions.csv"])
    labels = [r["label"] for r in rows if FORMULA in r["label"]]
    assert labels
    assert all(label.startswith("'=") for label in labels)
    for text in render_csv(data).values():
        for row in _rows(text):
            assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values())
