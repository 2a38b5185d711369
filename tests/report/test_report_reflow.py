"""report.html reflows (WCAG 1.4.10) in real Chromium: at 320, 375 and 1280 CSS px the page
never scrolls sideways (only wide tables do, inside their labelled regions) and no text is set
in a column narrower than 100 px. The demo site's report is the subject; the same probe backs
benchmarks/report_screens.py, which also writes screenshots at each width."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dcaudit.report import ReportData, render_html

pytestmark = pytest.mark.browser

SCREENS = Path(__file__).resolve().parents[2] / "benchmarks" / "report_screens.py"
WIDTHS = (320, 375, 1280)


def _screens() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_screens", SCREENS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


screens = _screens()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site audited (static checks: the browser is for looking at the report)."""
    return Path(screens.demo_report(tmp_path_factory.mktemp("demo")))


def _open(chromium: Any, serve_dir: Callable[[Path], str], report: Path) -> None:
    chromium.get(serve_dir(report.parent) + report.name)


@pytest.mark.parametrize("width", WIDTHS)
def test_demo_report_reflows(
    width: int, demo_report: Path, chromium: Any, serve_dir: Callable[[Path], str]
) -> None:
    _open(chromium, serve_dir, demo_report)
    assert screens.layout_problems(chromium, width) == []
    # wide tables scroll inside a labelled region, never the page
    unlabelled = chromium.execute_script(
        """return Array.from(document.querySelectorAll('.table-scroll'))
             .filter(r => r.getAttribute('role') !== 'region'
                       || !document.getElementById(r.getAttribute('aria-labelledby')))
             .length"""
    )
    assert unlabelled == 0


@pytest.mark.parametrize("width", WIDTHS)
def test_fixture_report_reflows(
    width: int, data: ReportData, chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    report.write_text(render_html(data), encoding="utf-8")
    _open(chromium, serve_dir, report)
    assert screens.layout_problems(chromium, width) == []


def test_probe_finds_a_page_that_does_not_reflow(
    chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    # the check must be able to fail: a fixed-width page and a one-word-wide column
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><body><div style="width:600px">wide content here</div>'
        '<dl style="display:grid;grid-template-columns:300px 1fr"><dt>Setting name</dt>'
        "<dd>a value that wraps one word a line</dd></dl></body></html>",
        encoding="utf-8",
    )
    _open(chromium, serve_dir, bad)
    problems = screens.layout_problems(chromium, 320)
    assert problems[0].startswith("page is 6")
    assert any("a value that wraps" in p for p in problems)
