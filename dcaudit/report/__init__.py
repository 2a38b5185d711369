"""Reports: each a pure function of a stored run (Store + run id), in every format.

``write_reports`` is what the pipeline and ``dcaudit report RUN`` call; the ``render_*``
functions return the text of one format from :class:`ReportData`, and the ``write_*`` ones
of the large formats (JSON, CSV, JUnit, SARIF, GitLab accessibility) write it to a file as
it is made.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from dcaudit.errors import ConfigError
from dcaudit.report.csv import csv_writers, render_csv
from dcaudit.report.data import ReportData, build_report_data, load_report_data
from dcaudit.report.files import Writer, make_folder, write_files
from dcaudit.report.gitlab import render_code_quality, render_pa11y, write_pa11y
from dcaudit.report.html import render_html
from dcaudit.report.json import render_json, write_json
from dcaudit.report.junit import parse_impact, render_junit, write_junit
from dcaudit.report.markdown import render_markdown
from dcaudit.report.sarif import render_sarif, write_sarif
from dcaudit.store import Store

FORMATS = ("html", "json", "csv", "junit", "sarif", "md", "codequality", "accessibility")
FILE_NAMES: dict[str, tuple[str, ...]] = {
    "html": ("report.html",),
    "json": ("report.json",),
    "csv": ("interactions.csv", "findings.csv"),
    "junit": ("junit.xml",),
    "sarif": ("report.sarif",),
    "md": ("summary.md",),
    "codequality": ("gl-code-quality-report.json",),
    "accessibility": ("gl-accessibility.json",),
}


def write_reports(
    store: Store,
    run_id: str,
    formats: Sequence[str],
    out_dir: Path,
    *,
    junit_impact: str = "serious",
    gate_failures: Sequence[str] = (),
) -> list[Path]:
    """Render ``formats`` of a stored run into ``out_dir``; returns the files written.

    ``gate_failures`` (from :func:`dcaudit.gate.evaluate`) are listed in summary.md.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown report format(s): {', '.join(unknown)}; choose from {', '.join(FORMATS)}"
        )
    parse_impact(junit_impact)  # a bad value fails before anything is written
    data = load_report_data(store, run_id)
    return write_report_data(
        data, formats, out_dir, junit_impact=junit_impact, gate_failures=gate_failures
    )


def write_report_data(
    data: ReportData,
    formats: Sequence[str],
    out_dir: Path,
    *,
    junit_impact: str = "serious",
    gate_failures: Sequence[str] = (),
) -> list[Path]:
    """As :func:`write_reports`, from data already loaded. Each file is written as soon as
    it is rendered, so only one report's text is held at a time (a large site's JSON, CSV
    and SARIF run to hundreds of megabytes)."""
    make_folder(out_dir)  # before rendering: a folder that cannot be made fails fast
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):  # each format once, in the order asked
        written += write_files(_render(fmt, data, junit_impact, gate_failures), out_dir)
    return written


def _render(
    fmt: str, data: ReportData, junit_impact: str, gate_failures: Sequence[str]
) -> dict[str, str | Writer]:
    """File name -> text, or what writes it as it is made, of one format (two for csv)."""
    if fmt == "html":
        return {"report.html": render_html(data)}
    if fmt == "json":
        return {"report.json": functools.partial(write_json, data)}
    if fmt == "csv":
        return dict(csv_writers(data))
    if fmt == "junit":
        return {"junit.xml": lambda out: write_junit(data, out, junit_impact)}
    if fmt == "sarif":
        return {"report.sarif": functools.partial(write_sarif, data)}
    if fmt == "md":
        return {"summary.md": render_markdown(data, gate_failures)}
    if fmt == "codequality":
        return {"gl-code-quality-report.json": render_code_quality(data)}
    if fmt == "accessibility":
        return {"gl-accessibility.json": functools.partial(write_pa11y, data)}
    return {}


__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "ReportData",
    "build_report_data",
    "load_report_data",
    "render_code_quality",
    "render_csv",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_pa11y",
    "render_sarif",
    "write_report_data",
    "write_reports",
]
