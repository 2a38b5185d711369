"""write_reports: every format from a stored run, re-rendered identically later."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcaudit.errors import ConfigError, StoreError
from dcaudit.report import FORMATS, write_reports
from dcaudit.store import Store


def test_write_reports_writes_each_format_file(store: Store, run_id: str, tmp_path: Path) -> None:
    paths = write_reports(store, run_id, FORMATS, tmp_path / "out")
    assert [p.name for p in paths] == [
        "report.html",
        "report.json",
        "interactions.csv",
        "findings.csv",
        "junit.xml",
        "report.sarif",
        "summary.md",
        "gl-code-quality-report.json",
        "gl-accessibility.json",
    ]
    assert all(p.stat().st_size > 0 for p in paths)
    assert (tmp_path / "out" / "findings.csv").read_bytes().count(b"\r\n") >= 33


def test_write_reports_only_the_formats_asked(store: Store, run_id: str, tmp_path: Path) -> None:
    paths = write_reports(store, run_id, ["md", "json", "md"], tmp_path)
    assert [p.name for p in paths] == ["summary.md", "report.json"]


def test_write_reports_rerenders_a_stored_run_identically(
    store: Store, run_id: str, tmp_path: Path
) -> None:
    first = write_reports(store, run_id, FORMATS, tmp_path / "a")
    reopened = Store(store.path)
    try:
        second = write_reports(reopened, run_id, FORMATS, tmp_path / "b")
    finally:
        reopened.close()
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_write_reports_rejects_unknown_format_before_writing(
    store: Store, run_id: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"unknown report format.*pdf.*choose from html"):
        write_reports(store, run_id, ["html", "pdf"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_write_reports_rejects_bad_junit_impact(store: Store, run_id: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="junit impact"):
        write_reports(store, run_id, ["junit"], tmp_path / "out", junit_impact="high")


def test_write_reports_names_an_unknown_run(store: Store, run_id: str, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no run 'nope'.*run-2026-01-01-fixture"):
        write_reports(store, "nope", ["json"], tmp_path)


def test_write_reports_passes_gate_failures_to_markdown(
    store: Store, run_id: str, tmp_path: Path
) -> None:
    (path,) = write_reports(store, run_id, ["md"], tmp_path, gate_failures=["errors: 2 > 0"])
    assert "- errors: 2 \\> 0" in path.read_text()
