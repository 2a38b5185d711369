"""report.html in real Chromium: axe-core finds no violations, hostile runs execute nothing,
the inline script runs under the report's own Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dcaudit.baseline import FindingEntry, InteractionEntry, baseline_of
from dcaudit.diff import compare
from dcaudit.report import ReportData, build_report_data, render_html
from dcaudit.report.data import with_changes

from .conftest import AXE_SCRIPT
from .hostile_run import SCRIPT, hostile_run

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _publish(folder: Path, html: str, serve_dir: Callable[[Path], str]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(html, encoding="utf-8")
    return serve_dir(folder) + "report.html"


def _run_axe(driver: Any) -> dict[str, Any]:
    # WebDriver script evaluation is not subject to the page's CSP, so axe can be injected
    driver.execute_script(AXE_SCRIPT.read_text(encoding="utf-8"))
    result: dict[str, Any] = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]},
                           resultTypes: ['violations']})
          .then(r => done({violations: r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))}))
          .catch(e => done({error: String(e)}));
        """,
        AXE_TAGS,
    )
    return result


def _pwned(driver: Any) -> bool:
    try:
        driver.switch_to.alert.dismiss()
        return True
    except NoAlertPresentException:
        pass
    return bool(driver.execute_script("return window.__pwned !== undefined"))


def test_html_report_passes_axe_in_chromium(
    data: ReportData, chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    chromium.get(_publish(tmp_path / "site", render_html(data), serve_dir))
    assert chromium.title.startswith("Digital co-production and exclusion audit")
    result = _run_axe(chromium)
    assert "error" not in result, result
    assert result["violations"] == [], result["violations"]


def test_html_hostile_run_executes_nothing_in_chromium(
    chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    fx = hostile_run()
    html = render_html(build_report_data(fx.run, fx.pages, fx.interactions, fx.findings, fx.skips))
    chromium.get(_publish(tmp_path / "site", html, serve_dir))
    assert not _pwned(chromium)
    # the payloads are on the page as visible text
    assert SCRIPT in chromium.find_element(By.TAG_NAME, "body").text
    hrefs = chromium.execute_script(
        "return Array.from(document.querySelectorAll('a[href]'), a => a.href)"
    )
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    # open every collapsed part and use the filter: still nothing runs
    chromium.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    box = chromium.find_element(By.ID, "ix-filter")
    box.send_keys("script")
    assert not _pwned(chromium)
    assert chromium.execute_script("return document.querySelectorAll('script').length") == 1


def test_hostile_check_detects_an_unescaped_payload(
    chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    # the detector above must be able to fail: a page that does run the payload trips it
    chromium.get(_publish(tmp_path / "site", f"<!DOCTYPE html><p>x</p>{SCRIPT}", serve_dir))
    assert _pwned(chromium)


def test_html_inline_script_runs_under_its_csp(
    data: ReportData, chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    chromium.get(_publish(tmp_path / "site", render_html(data), serve_dir))
    box = chromium.find_element(By.ID, "ix-filter")
    assert box.is_displayed()  # the script un-hid the filter, so CSP allowed it
    box.send_keys("up to three")
    status = chromium.find_element(By.ID, "ix-filter-status").text
    assert status == "1 of 18 interactions shown"
    visible = [
        row for row in chromium.find_elements(By.CSS_SELECTOR, "tr[data-ix]") if row.is_displayed()
    ]
    assert len(visible) == 1 and "Vote for up to three" in visible[0].text


def test_html_skip_link_is_the_first_tab_stop(
    data: ReportData, chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    chromium.get(_publish(tmp_path / "site", render_html(data), serve_dir))
    chromium.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = chromium.switch_to.active_element
    assert active.get_attribute("href").endswith("#main")
    assert active.is_displayed()
    active.send_keys(Keys.ENTER)
    assert chromium.switch_to.active_element.get_attribute("id") == "main"


def test_html_report_with_changes_since_a_baseline_passes_axe_in_chromium(
    data: ReportData, chromium: Any, serve_dir: Callable[[Path], str], tmp_path: Path
) -> None:
    baseline = baseline_of(data.run, data.pages[1:], data.interactions[1:], data.findings[2:])
    gone = InteractionEntry(
        "i" * 16, "form", "/consult/", "", "have your say", "consultative", "/consult/"
    )
    fixed = FindingEntry(
        "f" * 16, "DCA001", "/", "main img[src=/gone.png]", "violation", "critical", "/"
    )
    baseline = replace(
        baseline,
        findings=(*baseline.findings, fixed),
        interactions=(*baseline.interactions, gone),
    )
    changes = compare(baseline, data.run, data.pages, data.interactions, data.findings)
    assert changes.new and changes.fixed and changes.lost_two_way and changes.pages_added
    html = render_html(with_changes(data, changes))
    chromium.get(_publish(tmp_path / "changes", html, serve_dir))
    assert chromium.find_element(By.ID, "changes-h").text == "Changes since the baseline"
    result = _run_axe(chromium)
    assert "error" not in result, result
    assert result["violations"] == [], result["violations"]
