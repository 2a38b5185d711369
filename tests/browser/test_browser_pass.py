"""run_browser_pass against real Chromium on loopback pages."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from dcaudit.browser import session as browser_session
from dcaudit.browser.axe_script import find_axe_path
from dcaudit.browser.run import (
    BrowserPassReport,
    BrowserResult,
    BrowserTarget,
    browser_available,
    finding_fingerprint,
    run_browser_pass,
)
from dcaudit.config import Settings
from dcaudit.models import Impact, Outcome, Source

pytestmark = pytest.mark.browser

SETTINGS = Settings(browser_workers=1, browser_page_timeout=15)


def run(settings: Settings, targets: list[BrowserTarget]) -> tuple[BrowserPassReport, Any]:
    results: dict[str, BrowserResult] = {}
    inside = threading.Lock()

    def on_result(result: BrowserResult) -> None:
        assert inside.acquire(blocking=False), "on_result ran in two threads at once"
        try:
            assert result.url not in results, "a page was reported twice"
            results[result.url] = result
        finally:
            inside.release()

    report = run_browser_pass(settings, targets, on_result)
    return report, results


def test_browser_available_when_everything_is_installed() -> None:
    assert browser_available(SETTINGS) is None


def test_browser_pass_reports_violations_and_attaches_them_to_the_interaction(site: Any) -> None:
    url = site.url("/form")
    interactions = (("ia-page", "#content"), ("ia-form", "form#apply"), ("ia-bad", "a[["))
    report, results = run(SETTINGS, [BrowserTarget(url, interactions)])

    result = results[url]
    assert result.checked and result.error is None and not result.retried
    by_rule = {(f.rule, f.outcome): f for f in result.findings}
    label = by_rule[("axe/label", Outcome.VIOLATION)]
    assert label.interaction == "ia-form"  # innermost: the form, not the page's main
    assert label.source is Source.AXE
    assert label.impact is Impact.CRITICAL
    assert "4.1.2" in label.wcag
    assert label.selector == "input"  # axe's shortest unique selector
    assert label.snippet == '<input type="text" name="full-name">'
    assert label.help_url and label.help_url.startswith("https://dequeuniversity.com/")
    assert label.page == url
    assert label.fingerprint == finding_fingerprint("axe/label", url, label.selector)
    image = by_rule[("axe/image-alt", Outcome.VIOLATION)]
    assert image.interaction == "ia-page"
    assert image.wcag == ("1.1.1",)
    assert report.checked == 1 and report.failed == 0


def test_browser_pass_keeps_needs_review_apart_from_violations(site: Any) -> None:
    url = site.url("/form")
    _, results = run(SETTINGS, [BrowserTarget(url)])

    findings = results[url].findings
    review = [f for f in findings if f.outcome is Outcome.NEEDS_REVIEW]
    violations = [f for f in findings if f.outcome is Outcome.VIOLATION]
    assert {f.rule for f in review} == {"axe/color-contrast"}
    assert "axe/color-contrast" not in {f.rule for f in violations}
    assert len({f.id for f in findings}) == len(findings)


def test_browser_pass_returns_the_rendered_html_of_javascript_forms(site: Any) -> None:
    url = site.url("/js-form")
    _, results = run(SETTINGS, [BrowserTarget(url)])

    rendered = results[url].rendered_html
    assert rendered is not None and '<form id="js-report">' in rendered
    with urllib.request.urlopen(url, timeout=10) as response:
        raw = response.read().decode()
    assert "<form" not in raw


def test_browser_pass_checks_a_page_that_opens_dialogs_on_load(site: Any) -> None:
    url = site.url("/alert")
    _, results = run(SETTINGS, [BrowserTarget(url)])

    assert results[url].checked, results[url].error


def test_browser_pass_records_where_a_page_navigated_itself(site: Any) -> None:
    url = site.url("/away")
    _, results = run(SETTINGS, [BrowserTarget(url)])

    result = results[url]
    assert result.checked, result.error
    assert result.final_url == site.url("/landing")
    assert result.rendered_html is not None and "You were sent here" in result.rendered_html


@pytest.fixture
def refusing_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Stands in for the dead proxy: records each request line, then hangs up."""
    seen: list[str] = []

    class Refuse(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            seen.append(self.rfile.readline(200).decode("latin-1").strip())

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Refuse)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(
        browser_session, "DEAD_PROXY", f"http://127.0.0.1:{server.server_address[1]}"
    )
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_browser_pass_sends_outside_hosts_to_the_proxy_and_fails_them_fast(
    site: Any, refusing_proxy: list[str]
) -> None:
    url = site.url("/external")
    _, results = run(SETTINGS, [BrowserTarget(site.url("/plain/warm")), BrowserTarget(url)])

    result = results[url]
    assert result.checked, result.error
    assert result.elapsed_ms < 3000
    assert any("www.google.com" in line for line in refusing_proxy)
    assert not any("127.0.0.1" in line for line in refusing_proxy)  # loopback goes direct


def test_browser_pass_records_the_axe_version_of_the_installed_package(site: Any) -> None:
    report, _ = run(SETTINGS, [BrowserTarget(site.url("/plain/1"))])

    package = find_axe_path(SETTINGS).parent / "package.json"
    assert report.axe_version == json.loads(package.read_text())["version"]


def test_browser_pass_measures_requests_and_bytes(site: Any) -> None:
    url = site.url("/form")
    _, results = run(SETTINGS, [BrowserTarget(url)])

    result = results[url]
    assert result.request_count == 2  # the document and the image
    assert result.transfer_bytes is not None and result.transfer_bytes > 500


def test_browser_pass_spreads_pages_over_two_browsers(site: Any) -> None:
    settings = Settings(browser_workers=2, browser_page_timeout=15)
    urls = [site.url(f"/plain/{n}") for n in range(6)]
    report, results = run(settings, [BrowserTarget(u) for u in urls])

    assert sorted(results) == sorted(urls)
    assert all(r.checked for r in results.values())
    assert report.workers == 2 and report.checked == 6 and report.restarts == 0


def test_browser_pass_accepts_a_lazy_iterable(site: Any) -> None:
    urls = [site.url(f"/plain/lazy{n}") for n in range(3)]
    report, results = run(SETTINGS, list(BrowserTarget(u) for u in urls))
    lazy_report, lazy_results = run(
        Settings(browser_workers=1, browser_page_timeout=15),
        (BrowserTarget(u) for u in urls),  # type: ignore[arg-type]
    )

    assert sorted(lazy_results) == sorted(results) == sorted(urls)
    assert lazy_report.checked == report.checked == 3


def test_browser_pass_with_no_targets_starts_nothing() -> None:
    calls: list[BrowserResult] = []
    report = run_browser_pass(SETTINGS, [], calls.append)

    assert report == BrowserPassReport(None, 0, 0, 0, 0)
    assert calls == []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_browser_pass_reports_a_page_that_fails_to_load(site: Any) -> None:
    url = f"http://127.0.0.1:{closed_port()}/unreachable"
    report, results = run(SETTINGS, [BrowserTarget(url), BrowserTarget(site.url("/plain/2"))])

    assert not results[url].checked
    assert "ERR_CONNECTION_REFUSED" in (results[url].error or "")
    assert results[site.url("/plain/2")].checked
    assert report.failed == 1 and report.checked == 1 and report.restarts == 0
