"""report.json: the public contract, validated against the shipped JSON Schema."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from dcaudit.report import ReportData, build_report_data, render_json, write_reports
from dcaudit.store import Store

from .fixture_run import SECRET, FixtureRun
from .hostile_run import hostile_run


@pytest.fixture(scope="module")
def schema() -> dict:
    text = files("dcaudit.report").joinpath("report.schema.json").read_text(encoding="utf-8")
    loaded = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def test_report_schema_ships_in_package_with_contract_id(schema: dict) -> None:
    assert schema["$id"] == "dcaudit/report/v1"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_json_report_validates_against_schema(data: ReportData, schema: dict) -> None:
    report = json.loads(render_json(data))
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["schema"] == "dcaudit/report/v1"
    assert len(report["pages"]) == 9
    assert len(report["interactions"]) == 18
    assert len(report["findings"]) == 32


def test_json_schema_rejects_a_report_missing_a_contract_field(
    data: ReportData, schema: dict
) -> None:
    report = json.loads(render_json(data))
    del report["findings"][0]["fingerprint"]
    with pytest.raises(jsonschema.ValidationError, match="fingerprint"):
        jsonschema.Draft202012Validator(schema).validate(report)


def test_json_hostile_run_still_validates(schema: dict) -> None:
    fx = hostile_run()
    data = build_report_data(fx.run, fx.pages, fx.interactions, fx.findings, fx.skips)
    jsonschema.Draft202012Validator(schema).validate(json.loads(render_json(data)))


def test_json_tool_records_run_versions(data: ReportData) -> None:
    tool = json.loads(render_json(data))["tool"]
    assert tool["name"] == "dcaudit"
    assert tool["version"] == "0.1.0"
    assert tool["axe_core"] == "4.14.1"
    assert {"name": "static-a11y", "version": "1.1.0"} in tool["rule_packs"]


def test_json_page_has_reading_grade_and_factor_rules(data: ReportData) -> None:
    pages = {p["url"]: p for p in json.loads(render_json(data))["pages"]}
    plan = pages["https://www.example-council.gov.uk/consultations/local-plan"]
    assert plan["reading_grade"] == 13.2
    # exclusion and security rules only; axe rules are not factors
    assert plan["factors"] == ["DCX002", "DCX004", "DCX005", "DCX006"]
    assert pages["https://www.example-council.gov.uk/cy/"]["factors"] == []


def test_json_interaction_lists_its_finding_ids_and_risk(data: ReportData) -> None:
    interactions = json.loads(render_json(data))["interactions"]
    bins = next(i for i in interactions if i["label"] == "Report a missed bin collection")
    assert bins["class"] == "transactional"
    assert bins["mode"] == "two_way"
    assert len(bins["finding_ids"]) == 4
    assert bins["risk"]["score"] == 58.0
    assert bins["risk"]["factors"][0]["factor"] == "critical_violation"
    assert bins["evidence"][0] == {
        "rule": "DCC020",
        "reason": "structured service form",
        "match": "fieldset: address, bin type, date",
        "contribution": None,
    }
    assert (bins["needs_review"], bins["runner_up"]) == (False, None)
    comment = next(i for i in interactions if i["label"] == "Comment on the draft policies map")
    assert (comment["needs_review"], comment["runner_up"]) == (True, "information")
    assert [e["contribution"] for e in comment["evidence"]] == [0.42, -0.13]


def test_reports_never_contain_secret_settings(
    store: Store, run_id: str, tmp_path: Path, fixture: FixtureRun
) -> None:
    assert SECRET in json.dumps(fixture.run.settings)  # the fixture does carry secrets
    paths = write_reports(
        store, run_id, ("html", "json", "csv", "junit", "sarif", "md"), tmp_path / "out"
    )
    for path in paths:
        assert SECRET not in path.read_text(encoding="utf-8"), path.name
    settings = json.loads((tmp_path / "out" / "report.json").read_text())["run"]["settings"]
    assert not [k for k in settings if any(w in k for w in ("auth", "cookie", "password", "token"))]
    assert settings["max_pages"] == 500


def test_json_is_compact_for_large_runs_and_equal_in_content(data: ReportData) -> None:
    from dcaudit.report.json import PRETTY_MAX_ITEMS, encode

    document = {"findings": [{"id": n} for n in range(3)]}
    pretty, compact = encode(document, PRETTY_MAX_ITEMS), encode(document, PRETTY_MAX_ITEMS + 1)
    assert "\n  " in pretty and "\n" not in compact.rstrip("\n")
    assert json.loads(pretty) == json.loads(compact)
