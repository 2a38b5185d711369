"""Every format rendered from the stored fixture run equals its golden file.

After an intended change: ``pytest tests/report --update-golden`` and review the diff.
"""

from __future__ import annotations

from collections.abc import Callable

from dcaudit.report import (
    ReportData,
    render_code_quality,
    render_csv,
    render_html,
    render_json,
    render_junit,
    render_markdown,
    render_pa11y,
    render_sarif,
)

Golden = Callable[[str, str], None]


def test_json_matches_golden(data: ReportData, golden: Golden) -> None:
    golden("report.json", render_json(data))


def test_html_matches_golden(data: ReportData, golden: Golden) -> None:
    golden("report.html", render_html(data))


def test_csv_matches_golden(data: ReportData, golden: Golden) -> None:
    for name, text in render_csv(data).items():
        golden(name, text)


def test_junit_matches_golden(data: ReportData, golden: Golden) -> None:
    golden("junit.xml", render_junit(data, "serious"))


def test_sarif_matches_golden(data: ReportData, golden: Golden) -> None:
    golden("report.sarif", render_sarif(data))


def test_gitlab_reports_match_golden(data: ReportData, golden: Golden) -> None:
    golden("gl-code-quality-report.json", render_code_quality(data))
    golden("gl-accessibility.json", render_pa11y(data))


def test_markdown_matches_golden(data: ReportData, golden: Golden) -> None:
    golden("summary.md", render_markdown(data, ["serious violations: 14 > 0"]))


def test_render_is_deterministic(data: ReportData) -> None:
    assert render_html(data) == render_html(data)
    assert render_json(data) == render_json(data)
