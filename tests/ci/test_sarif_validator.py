"""The demo's SARIF passes Microsoft's SARIF Multitool ``validate`` with no error, and the
SARIF 2.1.0 JSON schema. The Multitool is a devDependency in package.json, installed from npm
by scripts/setup.sh when DCAUDIT_DEV_TOOLS=1 (scripts/test.sh sets it); in CI a missing
Multitool is a failure, elsewhere a skip."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from ..conftest import browser_required
from ..core.audits import dcaudit

REPO = Path(__file__).resolve().parents[2]
MULTITOOL = REPO / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
SCHEMA = Path(__file__).parent / "schemas" / "sarif-2.1.0.json"


def multitool() -> Path:
    if MULTITOOL.is_file() and os.access(MULTITOOL, os.X_OK):
        return MULTITOOL
    reason = f"SARIF Multitool not installed at {MULTITOOL.relative_to(REPO)}"
    if browser_required():
        pytest.fail(f"{reason}: run DCAUDIT_DEV_TOOLS=1 bash scripts/setup.sh")
    pytest.skip(f"{reason} (DCAUDIT_DEV_TOOLS=1 bash scripts/setup.sh installs it)")


def validate(sarif: Path, work: Path) -> Counter[str]:
    """The Multitool's results on ``sarif``, counted by level (error, warning, note)."""
    log = work / f"{sarif.parent.name}-{sarif.stem}-validation.sarif"
    env = {
        **os.environ,
        "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1",  # no ICU needed
        "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
        "DOTNET_BUNDLE_EXTRACT_BASE_DIR": str(work / "dotnet"),
    }
    result = subprocess.run(
        [str(multitool()), "validate", str(sarif), "--output", str(log)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(log.read_text(encoding="utf-8"))
    results = [r for run in found["runs"] for r in run.get("results", [])]
    errors = [r for r in results if r.get("level", "warning") == "error"]
    assert not errors, [r["message"] for r in errors[:5]]
    return Counter(r.get("level", "warning") for r in results)


def schema_check(sarif: Path) -> dict:
    document = json.loads(sarif.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(
        document
    )
    return document


def test_demo_sarif_has_no_validator_error_with_or_without_a_baseline(tmp_path: Path) -> None:
    multitool()
    first = dcaudit(
        "demo", "--no-browser", "--out", "demo", "-q", "--format", "sarif", cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    assert validate(tmp_path / "demo" / "report.sarif", tmp_path)["error"] == 0
    schema_check(tmp_path / "demo" / "report.sarif")
    saved = dcaudit("baseline", "save", "--out", "demo", cwd=tmp_path)
    assert saved.returncode == 0, saved.stderr
    # a problem the baseline knows and the site no longer has: an "absent" result
    baseline = json.loads((tmp_path / "dcaudit-baseline.json").read_text(encoding="utf-8"))
    baseline["findings"].append(
        {**baseline["findings"][0], "id": "0" * 16, "locator": "main img[src=/gone.png]"}
    )
    (tmp_path / "dcaudit-baseline.json").write_text(json.dumps(baseline), encoding="utf-8")
    second = dcaudit(
        "demo", "--no-browser", "--out", "again", "-q", "--format", "sarif",
        "--baseline", "dcaudit-baseline.json", cwd=tmp_path,
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    document = schema_check(tmp_path / "again" / "report.sarif")
    states = Counter(r["baselineState"] for r in document["runs"][0]["results"])
    assert states["absent"] == 1 and states["new"] == 0 and states["unchanged"] > 0
    assert validate(tmp_path / "again" / "report.sarif", tmp_path)["error"] == 0


@pytest.mark.browser
@pytest.mark.slow
def test_demo_sarif_with_axe_findings_has_no_validator_error(tmp_path: Path) -> None:
    multitool()
    run = dcaudit("demo", "--out", "demo", "-q", "--format", "sarif", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    document = schema_check(tmp_path / "demo" / "report.sarif")
    rules = {r["ruleId"] for r in document["runs"][0]["results"]}
    assert any(rule.startswith("axe/") for rule in rules)
    assert validate(tmp_path / "demo" / "report.sarif", tmp_path)["error"] == 0
