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

from collections.abc import Iterable
from typing import Any

from dcaudit.checks.findings import page_path
from dcaudit.identity import finding_identity
from dcaudit.models import Finding, Impact, Outcome, Source
from dcaudit.report.data import ReportData
from dcaudit.report.json import encode
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
    results: dict[str, list[dict[str, Any]]] = {
        p.url: [] for p in data.pages if p.is_html or p.error
    }
    for finding in _reported(data.findings):
        if finding.source in ACCESSIBILITY:
            results.setdefault(finding.page, []).append(_pa11y_issue(finding))
    errors = sum(1 for issues in results.values() for i in issues if i["type"] == "error")
    document = {
        "total": len(results),
        "passes": sum(1 for issues in results.values() if not issues),
        "errors": errors,
        "results": results,
    }
    return encode(document, len(data.findings))


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
