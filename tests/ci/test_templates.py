"""The CI templates in ci/: their YAML parses, the files they name exist, their commands run
against a site on loopback and fail on what got worse, and what they produce validates
against the schemas of the services that read it (SARIF 2.1.0, GitLab Code Quality, GitLab
accessibility), shipped in tests/ci/schemas."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ..baseline.site import TwoVersionSite
from ..core.audits import dcaudit

REPO = Path(__file__).resolve().parents[2]
CI = REPO / "ci"
SCHEMAS = Path(__file__).parent / "schemas"
ACTION = CI / "github" / "action.yml"
WORKFLOW = CI / "github" / "dcaudit.yml"
GITLAB = CI / "gitlab" / "dcaudit.gitlab-ci.yml"
SHELL = CI / "dcaudit-gate.sh"
_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def schema(name: str) -> jsonschema.protocols.Validator:
    document = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return jsonschema.Draft202012Validator(document)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TwoVersionSite, Path]]:
    """Version 1 audited and its baseline saved in a checkout folder; version 2 served."""
    checkout = tmp_path_factory.mktemp("checkout")
    served = TwoVersionSite()
    try:
        first = dcaudit("audit", served.url, "--no-browser", "--out", "v1", "-q", cwd=checkout)
        assert first.returncode == 0, first.stderr
        saved = dcaudit("baseline", "save", "--out", "v1", cwd=checkout)
        assert saved.returncode == 0, saved.stderr
        served.version = 2
        yield served, checkout
    finally:
        served.close()


def environment(**extra: str) -> dict[str, str]:
    """The CI job's environment: dcaudit on PATH, static checks only (DCAUDIT_BROWSER is
    dcaudit's own setting, so the templates run unchanged)."""
    env = {**os.environ, "DCAUDIT_BROWSER": "false", **extra}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def check_outputs(folder: Path, names: list[str]) -> None:
    """Each file a template names exists and validates against its schema."""
    for name in names:
        assert (folder / name).is_file(), name
    validators = {
        "report.sarif": "sarif-2.1.0.json",
        "gl-code-quality-report.json": "gitlab-code-quality.schema.json",
        "gl-accessibility.json": "gitlab-accessibility.schema.json",
    }
    for name, schema_name in validators.items():
        if (folder / name).is_file():
            document = json.loads((folder / name).read_text(encoding="utf-8"))
            schema(schema_name).validate(document)
    if (folder / "gl-code-quality-report.json").is_file():
        issues = json.loads((folder / "gl-code-quality-report.json").read_text())
        fingerprints = [issue["fingerprint"] for issue in issues]
        assert len(fingerprints) == len(set(fingerprints))  # GitLab keys issues by them


def test_every_template_parses_and_names_files_that_exist() -> None:
    action, workflow, gitlab = load(ACTION), load(WORKFLOW), load(GITLAB)
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        assert "uses" in step or step.get("shell") == "bash", step
    # PyYAML reads the key "on" as True (YAML 1.1)
    assert workflow[True] == {"pull_request": None}
    uses = [s["uses"] for s in workflow["jobs"]["dcaudit"]["steps"]]
    assert "./.github/actions/dcaudit" in uses
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    # the README says where each template goes in a site's repository
    for source, target in (
        ("ci/github/action.yml", ".github/actions/dcaudit/action.yml"),
        ("ci/github/dcaudit.yml", ".github/workflows/dcaudit.yml"),
        ("ci/gitlab/dcaudit.gitlab-ci.yml", ".gitlab-ci.yml"),
        ("ci/dcaudit-gate.sh", "dcaudit-gate.sh"),
    ):
        assert (REPO / source).is_file(), source
        assert source in readme and target in readme, (source, target)
    reports = gitlab["dcaudit"]["artifacts"]["reports"]
    assert reports == {
        "codequality": "dcaudit-report/gl-code-quality-report.json",
        "accessibility": "dcaudit-report/gl-accessibility.json",
    }
    assert gitlab["dcaudit"]["artifacts"]["when"] == "always"


def test_shell_template_fails_on_what_got_worse(site: tuple[TwoVersionSite, Path]) -> None:
    served, checkout = site
    formats = "html,json,sarif,md,codequality,accessibility"
    env = environment(AUDIT_URL=served.url, AUDIT_OUT="shell", AUDIT_FORMATS=formats)
    result = bash(f"bash {SHELL}", checkout, env)
    assert result.returncode == 1, result.stderr
    assert "FAILED: new violations: 1 > 0" in result.stderr
    assert "FAILED: two-way interactions lost: 1 > 0" in result.stderr
    assert result.stdout.startswith("NEW: critical DCA001")
    check_outputs(
        checkout / "shell",
        ["report.html", "summary.md", "report.sarif", "gl-code-quality-report.json"],
    )
    missing = bash(f"bash {SHELL}", checkout, {**env, "AUDIT_BASELINE": "none.json"})
    assert missing.returncode == 2
    assert "no baseline file none.json" in missing.stderr


def test_gitlab_job_script_writes_the_reports_it_declares(
    site: tuple[TwoVersionSite, Path],
) -> None:
    served, checkout = site
    job = load(GITLAB)["dcaudit"]
    env = environment(**{**job["variables"], "PREVIEW_URL": served.url})
    result = bash("set -e\n" + "\n".join(job["script"]), checkout, env)
    assert result.returncode == 1, result.stderr  # the gate failed: the job fails
    paths = [*job["artifacts"]["reports"].values()]
    assert all((checkout / p).is_file() for p in paths), paths
    check_outputs(checkout / "dcaudit-report", ["report.html", "summary.md", "report.sarif"])
    issues = json.loads((checkout / paths[0]).read_text(encoding="utf-8"))
    assert {i["check_name"] for i in issues} >= {"DCA001"}


def github_step(step: dict[str, Any], values: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A composite action's run step with its ${{ expressions }} filled in from ``values``
    (``inputs.url`` and the like)."""
    env = {k: _EXPRESSION.sub(lambda m: values[m[1]], str(v)) for k, v in step["env"].items()}
    assert not _EXPRESSION.search(step["run"]), "expressions reach scripts through env only"
    return step["run"], env


def test_github_action_steps_gate_summarise_and_name_their_uploads(
    site: tuple[TwoVersionSite, Path], tmp_path: Path
) -> None:
    served, checkout = site
    action = load(ACTION)
    inputs = {
        f"inputs.{name}": str(spec.get("default", "")) for name, spec in action["inputs"].items()
    }
    inputs.update({"inputs.url": served.url, "inputs.out": "gh-report"})
    steps = {s.get("name"): s for s in action["runs"]["steps"]}
    output, summary = tmp_path / "output", tmp_path / "summary"
    runner = {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}
    for name in ("Audit against the baseline", "Job summary"):
        script, env = github_step(steps[name], inputs)
        result = bash(script, checkout, environment(**runner, **env))
        assert result.returncode == 0, result.stderr  # the failure is the last step's
    assert output.read_text().strip() == "exit-code=1"
    assert "#### New problems (1)" in summary.read_text(encoding="utf-8")
    sarif = steps["Upload SARIF to code scanning"]["with"]["sarif_file"]
    artifact = steps["Upload the HTML report"]["with"]["path"]
    assert (checkout / _EXPRESSION.sub(lambda m: inputs[m[1]], sarif)).is_file()
    folder = checkout / _EXPRESSION.sub(lambda m: inputs[m[1]], artifact)
    check_outputs(folder, ["report.html", "report.sarif", "summary.md", "report.json"])
    last, env = github_step(steps["Fail on what got worse"], {"steps.audit.outputs.exit-code": "1"})
    assert bash(last, checkout, environment(**env)).returncode == 1
