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

import io
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO
from urllib.parse import urljoin

from dcaudit.diff import ABSENT, UNCHANGED, FindingChange
from dcaudit.identity import IDENTITY_VERSION, finding_identity
from dcaudit.models import Finding, Impact, Outcome, Run
from dcaudit.report.aggregate import describe
from dcaudit.report.data import ReportData
from dcaudit.report.json import HOLE, PRETTY_MAX_ITEMS, compact, encode, write_array
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
    out = io.StringIO()
    write_sarif(data, out)
    return out.getvalue()


def write_sarif(data: ReportData, out: TextIO) -> None:
    """report.sarif into ``out``; above PRETTY_MAX_ITEMS findings compact, its results
    written one at a time as the findings are read (the same text as ``encode`` gives)."""
    if len(data.findings) <= PRETTY_MAX_ITEMS:
        out.write(encode(sarif_dict(data), len(data.findings)))
        return
    document = sarif_dict(data, results=False)
    head, tail = compact(document).split(compact(HOLE))
    out.write(head)
    write_array(out, _results(data, document["runs"][0]["tool"]["driver"]["rules"]))
    out.write(tail + "\n")


def sarif_dict(data: ReportData, *, results: bool = True) -> dict[str, Any]:
    """The SARIF document; without ``results`` its results are a placeholder (HOLE)."""
    tool = tool_info(data.run)
    reported = (f for f in data.findings if f.outcome is not Outcome.ERROR)
    fixed = list(data.changes.fixed) if data.changes else []
    rules, index = _rules(reported, data.rules)
    _absent_rules(fixed, data.rules, rules, index)
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
        "results": list(_results(data, rules)) if results else HOLE,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _results(data: ReportData, rules: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One result per reported finding in stored order, then (with a baseline) one per
    problem fixed since."""
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    state = data.changes.state if data.changes is not None else None
    for finding in data.findings:
        if finding.outcome is Outcome.ERROR:
            continue
        result = _result(finding, index[finding.rule])
        if state is not None:
            result["baselineState"] = state.get(finding.id, UNCHANGED)
        yield result
    if data.changes is not None:
        for change in data.changes.fixed:
            yield _absent(change, index[change.entry.rule], data.run)


def _rules(
    findings: Iterable[Finding], texts: Mapping[str, RuleText]
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
