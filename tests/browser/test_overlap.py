"""The browser pass runs while the crawl goes on: a page is checked in the browser as soon as
the crawl has stored it, a stop in the middle keeps what the browser checked, and a resume
does not check it again."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ..core.audits import dcaudit, links, report, run_id_of, start
from ..crawl.fakes import LoopbackSite, Reply, serving

pytestmark = pytest.mark.browser


@contextmanager
def crawl_held() -> Iterator[tuple[LoopbackSite, threading.Event, threading.Event]]:
    """``/`` links to ``/held`` and ``/p1``; the crawl's request for ``/held`` is answered
    only once the first event yielded is set (or the site stops); the second is set when
    it has been answered."""
    answered = threading.Event()
    with serving(LoopbackSite()) as site:
        held = site.blocker()

        def hold(path: str, before: int) -> Reply:
            held.wait(300)
            answered.set()
            return Reply(body=links("/").encode())

        site.page("/", links("/held", "/p1"))
        site.add("/held", hold)
        site.page("/p1", links("/"))
        yield site, held, answered


def on_browser_request(site: LoopbackSite, path: str, event: threading.Event) -> None:
    """Set ``event`` when ``path`` is requested a second time (the crawl asks first)."""
    body = site.routes[path]
    assert isinstance(body, Reply)

    def route(requested: str, before: int) -> Reply:
        if before == 1:
            event.set()
        return body

    site.add(path, route)


def start_audit(site: LoopbackSite, cwd: Path) -> Any:
    """dcaudit auditing the site with one browser, in a process of its own."""
    args = ["--browser-workers", "1", "--delay", "0", "--out", "out", "-q"]
    return start("audit", site.url("/"), *args, cwd=cwd)


def finished(child: Any, stop: Callable[[], None]) -> tuple[str, str]:
    try:
        stop()
        out, err = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    return str(out), str(err)


def test_the_browser_checks_stored_pages_while_the_crawl_still_fetches(tmp_path: Path) -> None:
    browser_on_root = threading.Event()
    with crawl_held() as (site, held, answered):
        on_browser_request(site, "/", browser_on_root)
        child = start_audit(site, tmp_path)
        checked_during_crawl = browser_on_root.wait(180)
        crawl_was_waiting = not answered.is_set()
        _, err = finished(child, held.set)

    assert checked_during_crawl, "the browser never checked /"
    assert crawl_was_waiting, "the browser checked / only after the crawl had ended"
    assert child.returncode == 0, err
    final = report(tmp_path / "out")
    assert final["run"]["status"] == "complete"
    assert [p["browser_checked"] for p in final["pages"]] == [True, True, True]
    assert final["run"]["stats"]["browser_checked"] == 3
    assert site.count()["/"] == 2  # once by the crawl, once by the browser


def test_a_stop_during_the_crawl_keeps_what_the_browser_checked(tmp_path: Path, procs: Any) -> None:
    browser_on_p1 = threading.Event()
    with crawl_held() as (site, held, _):
        on_browser_request(site, "/p1", browser_on_p1)
        child = start_audit(site, tmp_path)
        # one browser takes the pages in the order they were stored: when it asks for /p1
        # it has handed back / (the crawl still waits for /held)
        assert browser_on_p1.wait(180), "the browser never reached /p1"
        drivers = [p for p in procs.all() if p.ppid == child.pid and p.name == "chromedriver"]
        out, err = finished(child, lambda: child.send_signal(signal.SIGTERM))
        assert child.returncode == 130, err
        assert "Traceback" not in err
        assert procs.live_in_groups({d.pgid for d in drivers}) == []  # no browser outlives it
        stopped = report(tmp_path / "out")
        held.set()
        resumed = dcaudit("audit", "--resume", run_id_of(out), "--out", "out", cwd=tmp_path)

    assert stopped["run"]["status"] == "partial"
    assert any(n.startswith("interrupted during the crawl") for n in stopped["run"]["notes"])
    checked = {p["url"] for p in stopped["pages"] if p["browser_checked"]}
    assert site.url("/") in checked
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(checked)} pages done before; not checked again" in resumed.stderr
    final = report(tmp_path / "out")
    assert final["run"]["status"] == "complete"
    assert [p["browser_checked"] for p in final["pages"]] == [True, True, True]
    assert site.count()["/"] == 2  # the resume did not check / again


def test_a_browser_that_cannot_start_leaves_the_static_checks(tmp_path: Path) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    (tmp_path / "dcaudit.toml").write_text(f'chromium_path = "{broken}"\n')
    with serving(LoopbackSite()) as site:
        site.page("/", links("/p1"))
        site.page("/p1", links("/"))
        result = dcaudit("audit", site.url("/"), "--delay", "0", "--out", "out", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "WARNING: the browser pass did not run: no browser could start" in result.stderr
    final = report(tmp_path / "out")
    assert final["run"]["status"] == "partial"
    assert any(
        n.startswith("browser pass did not run: no browser could start: Chromium could not")
        for n in final["run"]["notes"]
    )
    assert [p["browser_checked"] for p in final["pages"]] == [False, False]
    assert final["tool"]["axe_core"] is None
