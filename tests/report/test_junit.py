"""junit.xml: a suite per page, a case per interaction plus one per page, failures by impact."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from dcaudit.errors import ConfigError
from dcaudit.report import ReportData, build_report_data, render_junit

from .hostile_run import SCRIPT, hostile_run


def _cases(root: ET.Element, page_suffix: str) -> dict[str, ET.Element]:
    suite = next(s for s in root.iter("testsuite") if s.get("name", "").endswith(page_suffix))
    return {c.get("name", ""): c for c in suite.iter("testcase")}


def test_junit_has_a_suite_per_page_and_a_case_per_interaction(data: ReportData) -> None:
    root = ET.fromstring(render_junit(data, "serious"))
    suites = list(root.iter("testsuite"))
    assert len(suites) == len(data.pages)
    assert len(list(root.iter("testcase"))) == len(data.interactions) + len(data.pages)
    assert root.get("tests") == str(len(data.interactions) + len(data.pages))


def test_junit_fails_cases_with_violations_at_or_above_threshold(data: ReportData) -> None:
    serious = ET.fromstring(render_junit(data, "serious"))
    cases = _cases(serious, "/consultations/local-plan")
    comment = cases["consultative: Comment on the draft policies map"]
    failure = comment.find("failure")
    assert failure is not None
    assert "DCX005" in (failure.text or "")
    assert "heading-order" not in (failure.text or "")  # moderate: below the threshold

    critical = ET.fromstring(render_junit(data, "critical"))
    assert (
        _cases(critical, "/consultations/local-plan")[
            "consultative: Comment on the draft policies map"
        ].find("failure")
        is None
    )
    assert int(critical.get("failures", "0")) < int(serious.get("failures", "0"))


def test_junit_never_fails_on_needs_review(data: ReportData) -> None:
    root = ET.fromstring(render_junit(data, "minor"))
    cases = _cases(root, "/budget/participatory-budgeting")
    proposals = cases["collaborative: See proposals on the map and their status"]
    assert proposals.find("failure") is None
    out = proposals.find("system-out")
    assert out is not None and "identical-links-same-purpose" in (out.text or "")


def test_junit_marks_failed_fetches_and_failed_checks_as_errors(data: ReportData) -> None:
    root = ET.fromstring(render_junit(data, "serious"))
    failed_page = _cases(root, "/old/planning-search")["page-level findings"]
    error = failed_page.find("error")
    assert error is not None and "HTTP 500" in error.get("message", "")
    welsh = _cases(root, "/cy/")["page-level findings"]
    assert welsh.find("failure") is not None  # static violations on the page
    err = welsh.find("system-err")
    assert err is not None and "axe/run" in (err.text or "")
    assert root.get("errors") == "1"


def test_junit_rejects_unknown_impact(data: ReportData) -> None:
    with pytest.raises(ConfigError, match="junit impact 'severe'"):
        render_junit(data, "severe")


def test_junit_stays_well_formed_with_hostile_text() -> None:
    fx = hostile_run()
    text = render_junit(build_report_data(fx.run, fx.pages, fx.interactions, fx.findings))
    root = ET.fromstring(text)  # control characters removed, markup escaped
    assert SCRIPT not in text
    assert any(SCRIPT in (c.get("name") or "") for c in root.iter("testcase"))
