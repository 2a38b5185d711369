"""A remote WebDriver (chromedriver --port), and axe injected per page when CDP is off."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from dcaudit.browser.axe_script import load_axe
from dcaudit.browser.page import check_page
from dcaudit.browser.run import BrowserResult, BrowserTarget, run_browser_pass
from dcaudit.browser.session import start_session
from dcaudit.config import Settings

pytestmark = pytest.mark.browser

READY_WITHIN = 20.0  # seconds for chromedriver to answer /status
POLL_EVERY = 0.05


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def status_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/status", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture
def remote_driver_url() -> Iterator[tuple[str, int]]:
    port = free_port()
    driver = subprocess.Popen(
        [shutil.which("chromedriver") or "chromedriver", f"--port={port}", "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN
        poll = threading.Event()  # never set: a bounded wait between status polls
        while not status_ok(url):
            assert driver.poll() is None, "chromedriver exited at start"
            assert time.monotonic() < deadline, "chromedriver did not become ready"
            poll.wait(POLL_EVERY)
        yield url, driver.pid
    finally:
        driver.kill()
        driver.wait(timeout=10)


def test_browser_pass_runs_through_a_remote_webdriver(
    site: Any, procs: Any, remote_driver_url: tuple[str, int]
) -> None:
    url, driver_pid = remote_driver_url
    settings = Settings(webdriver_url=url, browser_workers=1, browser_page_timeout=15)
    results: dict[str, BrowserResult] = {}
    form = site.url("/form")

    report = run_browser_pass(
        settings,
        [BrowserTarget(form, (("ia-form", "#apply"),)), BrowserTarget(site.url("/plain/r"))],
        lambda r: results.update({r.url: r}),
    )

    assert report.checked == 2 and report.axe_version is not None
    label = [f for f in results[form].findings if f.rule == "axe/label"]
    assert label and label[0].interaction == "ia-form"
    assert [d.pid for d in procs.our_drivers()] == [driver_pid]  # no local browser started
    browsers = [p for p in procs.all() if p.ppid == driver_pid and p.state not in ("Z", "X")]
    assert browsers == []  # the remote session was ended


def test_check_page_injects_axe_when_cdp_is_unavailable(site: Any) -> None:
    settings = Settings(browser_page_timeout=15)
    axe = load_axe(settings)
    session = start_session(settings, axe, frozenset(), use_cdp=False)
    try:
        assert not session.preloaded
        result, version = check_page(session, BrowserTarget(site.url("/form")), settings, axe)
    finally:
        session.kill()

    assert version == axe.version
    assert {"axe/image-alt", "axe/label"} <= {f.rule for f in result.findings}
