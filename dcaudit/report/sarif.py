"""report.sarif: SARIF 2.1.0 for code-scanning views.

One result per violation or needs-review finding; the location is the page URL, with a
region (the element's line in the page's HTML source, and its snippet) when the parser
knew the line: SARIF requires a region to say where it starts, so a finding without a
line has no region and its snippet is a property. ``partialFingerprints`` carry the
finding's identity (:mod:`dcaudit.identity`), the same across runs and hosts. With a
baseline, each result has a ``baselineState`` (``new`` or ``unchanged``) and every fixed
problem is one more result with ``baselineState`` ``absent``. Checks that failed are tool
notifications, not results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from dcaudit.diff import ABSENT, UNCHANGED, FindingChange
from dcaudit.identity import IDENTITY_VERSION, finding_identity
from dcaudit.models import Finding, Impact, Outcome, Run
from dcaudit.report.aggregate import describe
from dcaudit.report.data import ReportData
from dcaudit.report.json import encode
from dcaudit.report.meta import INFORMATION_URI, tool_info
from dcaudit.report.rules import RuleText
from dcaudit.report.text import is_http_url, plain

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL_OF_IMPACT: dict[Impact | None, str] = {
    Impact.CRITICAL: "error",
    Impact.SERIOUS: "error",
    Impact.MODERATE: "warning",
    Impact.MINOR: "note",
    None: "warning",
}
FINGERPRINT_KEY = f"dcaudit/identity/v{IDENTITY_VERSION}"


def render_sarif(data: ReportData) -> str:
    return encode(sarif_dict(data), len(data.findings))


def sarif_dict(data: ReportData) -> dict[str, Any]:
    tool = tool_info(data.run)
    reported = [f for f in data.findings if f.outcome is not Outcome.ERROR]
    fixed = list(data.changes.fixed) if data.changes else []
    rules, index = _rules(reported, data.rules)
    _absent_rules(fixed, data.rules, rules, index)
    results = [_result(f, index[f.rule]) for f in reported]
    if data.changes is not None:
        state = data.changes.state
        for result, finding in zip(results, reported, strict=True):
            result["baselineState"] = state.get(finding.id, UNCHANGED)
        results += [_absent(change, index[change.entry.rule], data.run) for change in fixed]
    driver: dict[str, Any] = {
        "name": tool["name"],
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    if tool["version"]:
        driver["version"] = tool["version"]
    extensions = [
        {"name": "axe-core", "version": tool["axe_core"]} if tool["axe_core"] else None,
        *({"name": p["name"], "version": p["version"]} for p in tool["rule_packs"]),
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": driver,
            "extensions": [_drop_none(e) for e in extensions if e is not None],
        },
        "automationDetails": {"id": f"dcaudit/{data.run.id}"},
        "invocations": [_invocation(data)],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rules(
    findings: list[Finding], texts: Mapping[str, RuleText]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One reportingDescriptor per rule id, in first-seen order, described by the rule's
    title and advice (never by one of its findings)."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for finding in findings:
        if finding.rule in index:
            continue
        index[finding.rule] = len(rules)
        tags = [finding.source.value, *finding.wcag]
        if finding.source.value in ("axe", "static"):
            tags.insert(0, "accessibility")
        text = describe(finding.rule, texts)
        rule: dict[str, Any] = {
            "id": finding.rule,
            "shortDescription": {"text": plain(text.title, 200) or finding.rule},
            "properties": {"tags": tags},
            "defaultConfiguration": {"level": LEVEL_OF_IMPACT[finding.impact]},
        }
        if text.advice:
            rule["fullDescription"] = {"text": plain(text.advice, 1000)}
        if is_http_url(finding.help_url):
            rule["helpUri"] = finding.help_url
        rules.append(rule)
    return rules, index


def _absent_rules(
    fixed: list[FindingChange],
    texts: Mapping[str, RuleText],
    rules: list[dict[str, Any]],
    index: dict[str, int],
) -> None:
    """Descriptors for rules only fixed problems name (no finding of theirs this run)."""
    for change in fixed:
        rule_id = change.entry.rule
        if rule_id in index:
            continue
        index[rule_id] = len(rules)
        text = describe(rule_id, texts)
        rules.append(
            {
                "id": rule_id,
                "shortDescription": {"text": plain(text.title, 200) or rule_id},
                "properties": {"tags": []},
            }
        )


def _absent(change: FindingChange, rule_index: int, run: Run) -> dict[str, Any]:
    """A problem of the baseline not found this run: baselineState absent."""
    entry = change.entry
    seed = run.seeds[0] if run.seeds else ""
    page = urljoin(seed, entry.page) if entry.page else seed
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": page}}}
    if entry.locator:
        location["logicalLocations"] = [{"fullyQualifiedName": entry.locator, "kind": "element"}]
    return {
        "ruleId": entry.rule,
        "ruleIndex": rule_index,
        "message": {"text": f"Fixed since the baseline: {entry.rule} on {entry.page}"},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: entry.id},
        "baselineState": ABSENT,
        "kind": "pass",
        "level": "none",
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.page}}
    if finding.line is not None:
        region: dict[str, Any] = {"startLine": finding.line}
        if finding.snippet:
            region["snippet"] = {"text": finding.snippet}
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.selector:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.selector, "kind": "element"}]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "message": {"text": finding.message or finding.rule},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding_identity(finding)},
        "properties": {
            "source": finding.source.value,
            "outcome": finding.outcome.value,
            "impact": finding.impact.value if finding.impact else None,
            "interaction": finding.interaction,
        },
    }
    if finding.snippet and finding.line is None:
        result["properties"]["snippet"] = finding.snippet
    if finding.outcome is Outcome.NEEDS_REVIEW:
        # SARIF: a result that is not a failure has kind "review" and level "none"
        result["kind"] = "review"
        result["level"] = "none"
    else:
        result["kind"] = "fail"
        result["level"] = LEVEL_OF_IMPACT[finding.impact]
    return result


def _invocation(data: ReportData) -> dict[str, Any]:
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{f.rule} could not run on {f.page}: {f.message}"},
            "descriptor": {"id": f.rule},
        }
        for f in data.findings
        if f.outcome is Outcome.ERROR
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": data.run.status.value in ("complete", "partial"),
        "startTimeUtc": data.run.started,
    }
    if data.run.finished:
        invocation["endTimeUtc"] = data.run.finished
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _drop_none(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if v is not None}
