"""Report test fixtures: the stored fixture run, golden files, a loopback server, Chromium.

Golden files are updated explicitly: ``pytest tests/report --update-golden``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dcaudit.report.data import ReportData, load_report_data
from dcaudit.store import Store

from .fixture_run import FixtureRun, fixture_run, store_fixture_run

GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/report/golden/* from the current renderers",
    )


@pytest.fixture
def fixture() -> FixtureRun:
    return fixture_run()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "dcaudit.sqlite") as opened:
        yield opened


@pytest.fixture
def run_id(store: Store) -> str:
    return store_fixture_run(store)


@pytest.fixture
def data(store: Store, run_id: str) -> ReportData:
    """The fixture run as the renderers see it: loaded back from SQLite."""
    return load_report_data(store, run_id)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: compare with tests/report/golden/<name>, or rewrite it when
    run with --update-golden."""
    update = bool(request.config.getoption("--update-golden", default=False))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            GOLDEN.mkdir(exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            return
        assert path.exists(), f"no golden file {name}; run: pytest tests/report --update-golden"
        expected = path.read_bytes().decode("utf-8")
        assert text == expected, (
            f"{name} differs from its golden file; if the change is intended, run: "
            "pytest tests/report --update-golden and review the diff"
        )

    return check


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve_dir(tmp_path: Path) -> Iterator[Callable[[Path], str]]:
    """``serve_dir(folder) -> base URL``: a static HTTP server on 127.0.0.1, port 0, in a
    thread. The socket is bound before the URL is returned, so it is ready."""
    servers: list[tuple[http.server.ThreadingHTTPServer, threading.Thread]] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def chromium() -> Iterator[object]:
    """Headless Chromium from the OS packages via Selenium (never a downloaded driver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,2400",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        options=options, service=Service(executable_path=shutil.which("chromedriver"))
    )
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
