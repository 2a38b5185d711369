"""report.sarif: SARIF 2.1.0, checked against a compact subset of the official schema."""

from __future__ import annotations

import json

import jsonschema

from dcaudit.identity import finding_identity
from dcaudit.models import Outcome
from dcaudit.report import ReportData, build_report_data, render_sarif

from .hostile_run import hostile_run

# The fields SARIF 2.1.0 requires, and the ones code-scanning services read, written from
# the specification (OASIS SARIF 2.1.0, sections 3.13-3.33) rather than downloaded.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
SARIF_SUBSET = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string", "format": "uri"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "version", "informationUri", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "pattern": "^https://"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id", "shortDescription", "properties"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": _MESSAGE,
                                                "helpUri": {
                                                    "type": "string",
                                                    "pattern": "^https?://",
                                                },
                                                "properties": {
                                                    "type": "object",
                                                    "required": ["tags"],
                                                    "properties": {
                                                        "tags": {
                                                            "type": "array",
                                                            "items": {"type": "string"},
                                                        }
                                                    },
                                                },
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": [
                                "ruleId",
                                "message",
                                "level",
                                "locations",
                                "partialFingerprints",
                            ],
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": 0},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "kind": {
                                    "enum": [
                                        "pass",
                                        "open",
                                        "informational",
                                        "notApplicable",
                                        "review",
                                        "fail",
                                    ]
                                },
                                "message": _MESSAGE,
                                "partialFingerprints": {
                                    "type": "object",
                                    "minProperties": 1,
                                    "additionalProperties": {"type": "string"},
                                },
                                "locations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "required": ["uri"],
                                                        "properties": {"uri": {"type": "string"}},
                                                    },
                                                    # SARIF 3.30.2: a region says where it
                                                    # starts; a snippet alone is not one
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine"],
                                                        "properties": {
                                                            "startLine": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            },
                                                            "snippet": _MESSAGE,
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def _sarif(data: ReportData) -> dict:
    return json.loads(render_sarif(data))


def test_sarif_validates_against_required_fields(data: ReportData) -> None:
    jsonschema.Draft202012Validator.check_schema(SARIF_SUBSET)
    jsonschema.Draft202012Validator(SARIF_SUBSET).validate(_sarif(data))


def test_sarif_subset_schema_rejects_missing_fingerprint(data: ReportData) -> None:
    report = _sarif(data)
    del report["runs"][0]["results"][0]["partialFingerprints"]
    assert not jsonschema.Draft202012Validator(SARIF_SUBSET).is_valid(report)


def test_sarif_result_points_at_page_snippet_and_rule(data: ReportData) -> None:
    run = _sarif(data)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    label = next(r for r in run["results"] if r["ruleId"] == "axe/label")
    assert rules[label["ruleIndex"]]["id"] == "axe/label"
    assert label["level"] == "error"
    location = label["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("/bins/missed-collection")
    assert location["region"]["snippet"]["text"].startswith("<input")
    finding = next(f for f in data.findings if f.id == "f-0001")
    assert location["region"]["startLine"] == finding.line
    assert label["partialFingerprints"] == {"dcaudit/identity/v1": finding_identity(finding)}


def test_sarif_region_only_where_the_line_is_known(data: ReportData) -> None:
    results = _sarif(data)["runs"][0]["results"]
    by_id = {f.id: f for f in data.findings}
    reported = [f for f in data.findings if f.outcome is not Outcome.ERROR]
    assert any(f.line is None and f.snippet for f in reported)
    for result, finding in zip(results, reported, strict=True):
        physical = result["locations"][0]["physicalLocation"]
        assert by_id[finding.id].rule == result["ruleId"]
        if finding.line is None:
            assert "region" not in physical
            assert result["properties"].get("snippet") == finding.snippet
        else:
            assert physical["region"]["startLine"] == finding.line


def test_sarif_rules_are_unique_with_tags_and_help(data: ReportData) -> None:
    rules = _sarif(data)["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    contrast = next(r for r in rules if r["id"] == "axe/color-contrast")
    assert contrast["helpUri"].startswith("https://dequeuniversity.com/")
    assert "wcag143" in contrast["properties"]["tags"]
    assert "accessibility" in contrast["properties"]["tags"]


def test_sarif_levels_follow_impact_and_review_is_not_a_failure(data: ReportData) -> None:
    results = _sarif(data)["runs"][0]["results"]
    levels = {(r["properties"]["impact"], r["kind"], r["level"]) for r in results}
    assert ("moderate", "fail", "warning") in levels
    assert ("serious", "review", "none") in levels
    assert not [r for r in results if r["kind"] == "review" and r["level"] != "none"]


def test_sarif_failed_checks_are_notifications_not_results(data: ReportData) -> None:
    run = _sarif(data)["runs"][0]
    assert "axe/run" not in {r["ruleId"] for r in run["results"]}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["axe/run"]
    assert len(run["results"]) == len(data.findings) - 1


def test_sarif_never_emits_script_urls_as_help() -> None:
    fx = hostile_run()
    report = _sarif(build_report_data(fx.run, fx.pages, fx.interactions, fx.findings))
    for rule in report["runs"][0]["tool"]["driver"]["rules"]:
        assert rule.get("helpUri", "https://").startswith("https://")
