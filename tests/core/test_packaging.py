"""A non-editable install must carry the rule packs, templates and demo site."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("dcaudit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_ships_every_rule_pack_file(wheel_names: set[str]) -> None:
    rule_files = {
        p.relative_to(REPO / "rules").as_posix()
        for p in (REPO / "rules").rglob("*")
        if p.is_file() and p.suffix in {".yaml", ".html", ".md"}
    }
    assert rule_files, "no rule files found in rules/"
    shipped = {
        n.removeprefix("dcaudit/rules/") for n in wheel_names if n.startswith("dcaudit/rules/")
    }
    assert rule_files <= shipped


def test_wheel_ships_templates_demo_site_and_schema(wheel_names: set[str]) -> None:
    assert any(n.startswith("dcaudit/report/templates/") for n in wheel_names)
    assert "dcaudit/report/report.schema.json" in wheel_names
    assert any(n.startswith("dcaudit/demo/site/") and n.endswith(".html") for n in wheel_names)
    assert "dcaudit/demo/ground_truth.yaml" in wheel_names
    assert "dcaudit/py.typed" in wheel_names
