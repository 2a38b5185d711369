"""GitLab's merge-request reports: Code Quality (``gl-code-quality-report.json``) and
accessibility (``gl-accessibility.json``, the pa11y-ci JSON GitLab reads).

Code Quality has one issue per finding identity (:mod:`dcaudit.identity`): GitLab keys
issues by ``fingerprint`` and shows those of the merge request that the target branch does
not have, so a problem repeated on every page of a layout is one issue, and a problem known
before the change is not new in the widget. Needs-review findings are ``info``. The
accessibility report lists every page with its accessibility violations (errors) and
findings that need review (warnings), as pa11y-ci does.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from dcaudit.checks.findings import page_path
from dcaudit.chunks import by_page
from dcaudit.identity import finding_identity
from dcaudit.models import Finding, Impact, Outcome, Source
from dcaudit.report.data import ReportData
from dcaudit.report.json import HOLE, PRETTY_MAX_ITEMS, compact, encode
from dcaudit.report.site import host_of
from dcaudit.report.text import plain

SEVERITY: dict[Impact | None, str] = {
    Impact.CRITICAL: "critical",
    Impact.SERIOUS: "major",
    Impact.MODERATE: "minor",
    Impact.MINOR: "info",
    None: "minor",
}
CATEGORY = {
    Source.AXE: "Accessibility",
    Source.STATIC: "Accessibility",
    Source.EXCLUSION: "Exclusion",
    Source.SECURITY: "Security",
}
ACCESSIBILITY = (Source.AXE, Source.STATIC)


def _reported(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.outcome is not Outcome.ERROR]


def render_code_quality(data: ReportData) -> str:
    issues: dict[str, dict[str, Any]] = {}
    pages: dict[str, set[str]] = {}
    for finding in _reported(data.findings):
        identity = finding_identity(finding)
        pages.setdefault(identity, set()).add(finding.page)
        if identity not in issues:
            issues[identity] = _issue(finding, identity)
    for identity, issue in issues.items():
        more = len(pages[identity]) - 1
        if more:
            issue["description"] += f" (and {more} more page{'s' if more > 1 else ''})"
    return encode(list(issues.values()), len(issues))


def _issue(finding: Finding, identity: str) -> dict[str, Any]:
    review = finding.outcome is Outcome.NEEDS_REVIEW
    text = plain(finding.message or finding.rule, 1000)
    return {
        "type": "issue",
        "check_name": finding.rule,
        "description": f"{finding.rule}: {'needs review: ' if review else ''}{text}",
        "categories": [CATEGORY[finding.source]],
        "severity": "info" if review else SEVERITY[finding.impact],
        "fingerprint": identity,
        "location": {
            "path": host_of(finding.page) + page_path(finding.page),
            "lines": {"begin": finding.line or 1},
        },
        "engine_name": "dcaudit",
    }


def render_pa11y(data: ReportData) -> str:
    out = io.StringIO()
    write_pa11y(data, out)
    return out.getvalue()


def write_pa11y(data: ReportData, out: TextIO) -> None:
    """gl-accessibility.json into ``out``; above PRETTY_MAX_ITEMS findings compact and made
    a chunk of pages at a time: once for the totals, once to write the results."""
    if len(data.findings) <= PRETTY_MAX_ITEMS:
        results = dict(kv for chunk in _pa11y_chunks(data) for kv in chunk.items())
        out.write(encode(_pa11y_document(results, results), len(data.findings)))
        return
    totals = {"total": 0, "passes": 0, "errors": 0}
    for chunk in _pa11y_chunks(data):
        for key, value in _pa11y_document(chunk, {}).items():
            if key != "results":
                totals[key] += value
    out.write(compact({**totals, "results": HOLE}).split(compact(HOLE))[0] + "{")
    first = True
    for chunk in _pa11y_chunks(data):
        for page, issues in chunk.items():
            out.write(("" if first else ",") + compact(page) + ":" + compact(issues))
            first = False
    out.write("}}\n")


def _pa11y_chunks(data: ReportData) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Page URL -> its accessibility issues, for the web pages and failed pages of each
    chunk of pages (in stored order)."""
    for pages, _, findings in by_page(data.pages, None, data.findings):
        results: dict[str, list[dict[str, Any]]] = {
            p.url: [] for p in pages if p.is_html or p.error
        }
        for finding in _reported(findings):
            if finding.source in ACCESSIBILITY:
                results.setdefault(finding.page, []).append(_pa11y_issue(finding))
        yield results


def _pa11y_document(
    counted: dict[str, list[dict[str, Any]]], results: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    errors = sum(1 for issues in counted.values() for i in issues if i["type"] == "error")
    return {
        "total": len(counted),
        "passes": sum(1 for issues in counted.values() if not issues),
        "errors": errors,
        "results": results,
    }


def _pa11y_issue(finding: Finding) -> dict[str, Any]:
    review = finding.outcome is Outcome.NEEDS_REVIEW
    return {
        "code": finding.rule,
        "type": "warning" if review else "error",
        "typeCode": 2 if review else 1,
        "message": plain(finding.message or finding.rule, 1000),
        "context": finding.snippet or "",
        "selector": finding.selector or "",
        "runner": "axe" if finding.source is Source.AXE else "dcaudit",
        "runnerExtras": {
            "impact": finding.impact.value if finding.impact else None,
            "help_url": finding.help_url,
            "line": finding.line,
        },
    }
