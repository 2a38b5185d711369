"""junit.xml for CI test views: a testsuite per page, a testcase per interaction, plus one
testcase per page for findings not attached to an interaction.

A testcase fails when it has violations at or above ``impact``. A page that could not be
fetched, or a check that failed, is an ``<error>``. Needs-review findings never fail; they are
listed in system-out.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from typing import TextIO

from dcaudit.chunks import by_page
from dcaudit.errors import ConfigError
from dcaudit.models import IMPACT_ORDER, Finding, Impact, Interaction, Outcome, Page
from dcaudit.report.data import ReportData
from dcaudit.report.text import plain, xml_safe
from dcaudit.summary import attached_findings


def parse_impact(impact: str) -> Impact:
    try:
        return Impact(impact.lower())
    except ValueError as exc:
        raise ConfigError(
            f"junit impact {impact!r} is not one of: {', '.join(i.value for i in Impact)}"
        ) from exc


def render_junit(data: ReportData, impact: str = "serious") -> str:
    out = io.StringIO()
    write_junit(data, out, impact)
    return out.getvalue()


def write_junit(data: ReportData, out: TextIO, impact: str = "serious") -> None:
    """junit.xml into ``out``: each page's suite made and spooled to a temporary file as
    the pages are read a chunk at a time, then the totals and the suites."""
    threshold = IMPACT_ORDER[parse_impact(impact)]
    totals = {"tests": 0, "failures": 0, "errors": 0}
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as spool:
        for pages, interactions, findings in by_page(data.pages, data.interactions, data.findings):
            for suite in _suites(pages, interactions, findings, threshold):
                for key in totals:
                    totals[key] += int(suite.get(key) or 0)
                ET.indent(suite, level=1)
                spool.write("\n  " + ET.tostring(suite, encoding="unicode"))
        root = ET.Element("testsuites", name=f"dcaudit run {xml_safe(data.run.id)}")
        for key, value in totals.items():
            root.set(key, str(value))
        head = ET.tostring(root, encoding="unicode", xml_declaration=True)
        if not spool.tell():
            out.write(head + "\n")
            return
        out.write(head.removesuffix(" />") + ">")
        spool.seek(0)
        shutil.copyfileobj(spool, out)
        out.write("\n</testsuites>\n")


def _suites(
    pages: list[Page], interactions: list[Interaction], findings: list[Finding], threshold: int
) -> Iterator[ET.Element]:
    """One testsuite per page, from the pages' own interactions and findings."""
    attached = attached_findings(interactions, findings)
    attached_ids = {f.id for found in attached.values() for f in found}
    interactions_by_page: defaultdict[str, list[Interaction]] = defaultdict(list)
    for interaction in interactions:
        interactions_by_page[interaction.page].append(interaction)
    page_level: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.id not in attached_ids:
            page_level[finding.page].append(finding)
    for page in pages:
        suite = ET.Element("testsuite", name=xml_safe(page.url))
        counts = {"tests": 0, "failures": 0, "errors": 0}
        cases = [("page-level findings", page_level.get(page.url, []), _fetch_error(page))]
        for interaction in interactions_by_page.get(page.url, []):
            cls = interaction.interaction_class.value if interaction.interaction_class else "?"
            name = f"{cls}: {plain(interaction.label, 120) or interaction.selector}"
            cases.append((name, attached.get(interaction.id, []), None))
        for name, found, fetch_error in cases:
            result = _case(suite, page.url, name, found, threshold, fetch_error)
            counts["tests"] += 1
            if result:
                counts[result] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
        yield suite


def _case(
    suite: ET.Element,
    page_url: str,
    name: str,
    findings: list[Finding],
    threshold: int,
    fetch_error: str | None,
) -> str | None:
    """Add one testcase; returns "failures", "errors" or None (passed)."""
    case = ET.SubElement(suite, "testcase", classname=xml_safe(page_url), name=xml_safe(name))
    failing = [
        f
        for f in findings
        if f.outcome is Outcome.VIOLATION
        and f.impact is not None
        and IMPACT_ORDER[f.impact] >= threshold
    ]
    check_errors = [f for f in findings if f.outcome is Outcome.ERROR]
    review = [f for f in findings if f.outcome is Outcome.NEEDS_REVIEW]
    result: str | None = None
    # The common JUnit schema allows one of error/failure, then system-out, system-err.
    if fetch_error is not None:
        ET.SubElement(case, "error", message=xml_safe(fetch_error), type="fetch")
        result = "errors"
    elif failing:
        worst = max(IMPACT_ORDER[f.impact] for f in failing if f.impact is not None)
        worst_name = next(i.value for i, order in IMPACT_ORDER.items() if order == worst)
        failure = ET.SubElement(
            case,
            "failure",
            message=f"{len(failing)} violation(s) at or above the threshold, worst {worst_name}",
            type="violation",
        )
        failure.text = "\n".join(_line(f) for f in failing)
        result = "failures"
    elif check_errors:
        ET.SubElement(case, "error", message=f"{len(check_errors)} check(s) failed", type="check")
        result = "errors"
    if review:
        out = ET.SubElement(case, "system-out")
        out.text = "needs review:\n" + "\n".join(_line(f) for f in review)
    if check_errors:
        err = ET.SubElement(case, "system-err")
        err.text = "\n".join(_line(f) for f in check_errors)
    return result


def _line(finding: Finding) -> str:
    impact = finding.impact.value if finding.impact else "unrated"
    where = f" at {finding.selector}" if finding.selector else ""
    return xml_safe(f"[{impact}] {finding.rule}{where}: {plain(finding.message, 500)}")


def _fetch_error(page: Page) -> str | None:
    if page.error is None:
        return None
    status = f"HTTP {page.status}: " if page.status else ""
    return f"page not audited: {status}{plain(page.error, 300)}"
