"""kill -9 of dcaudit during the browser pass: no browser outlives it, the next start marks
the run interrupted, and the resume does not check in the browser what was checked before."""

from __future__ import annotations

import os
import select
import threading
from pathlib import Path
from typing import Any

import pytest

from ..core.audits import dcaudit, links, report, start
from ..crawl.fakes import LoopbackSite, Reply, serving

pytestmark = pytest.mark.browser


def wait_all_gone(pids: list[int], timeout: float = 60) -> list[int]:
    """Wait (on pidfds, no polling) until every process in ``pids`` has ended; the ones
    still running when ``timeout`` runs out."""
    waiting = {}
    for pid in pids:
        try:
            waiting[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            continue  # already gone
    poller = select.poll()
    for fd in waiting:
        poller.register(fd, select.POLLIN)
    try:
        while waiting:
            ready = poller.poll(timeout * 1000)
            if not ready:
                break
            for fd, _ in ready:
                poller.unregister(fd)
                waiting.pop(fd)
                os.close(fd)
    finally:
        for fd in waiting:
            os.close(fd)
    return sorted(waiting.values())


def profile_of(pid: int) -> str | None:
    """The --user-data-dir a Chromium process was started with."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    for arg in args:
        if arg.startswith(b"--user-data-dir="):
            return arg.partition(b"=")[2].decode()
    return None


def test_kill_9_in_the_browser_pass_leaves_no_browser_and_resume_skips_checked_pages(
    tmp_path: Path, procs: Any
) -> None:
    browser_waits = threading.Event()
    with serving(LoopbackSite()) as site:
        release = site.blocker()

        def held(path: str, before: int) -> Reply:
            body = links("/").encode()
            if before == 0:
                return Reply(body=body)  # the crawl's fetch
            browser_waits.set()
            return Reply(body=body, wait=release)  # the browser's: held until released

        site.page("/", links("/held", "/p1"))
        site.add("/held", held)
        site.page("/p1", links("/"))
        child = start(
            "audit", site.url("/"), "--browser-workers", "1", "--delay", "0", "--out", "out",
            "-q", cwd=tmp_path,
        )  # fmt: skip
        try:
            assert browser_waits.wait(120), "the browser never asked for /held"
            children = [p for p in procs.all() if p.ppid == child.pid]
            groups = {p.pgid for p in children if p.name == "chromedriver"}
            browsers = [p.pid for p in procs.all() if p.pgid in groups]
            assert groups and len(browsers) > len(groups)  # ChromeDriver and Chromium
            profiles = {profile_of(pid) for pid in browsers} - {None}
            assert profiles and all(Path(p).is_dir() for p in profiles if p)
            helpers = [p.pid for p in children if p.pgid not in groups]  # the reaper
            child.kill()
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
            child.communicate()
        assert wait_all_gone(browsers + helpers) == []
        assert procs.live_in_groups(groups) == []
        assert not [p for p in profiles if p and Path(p).exists()]  # profile folders removed

        listed = dcaudit("runs", "--out", "out", cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        run_id, status = listed.stdout.split()[:2]
        assert status == "partial"  # no longer "running": its process is gone
        release.set()
        # The crawl fetched each page once; the browser, checking pages as soon as they are
        # stored, had finished "/" and perhaps "/p1" (their order in the store varies) while
        # "/held" kept it waiting.
        before = site.count()
        done_before = (before["/"] - 1) + max(before["/p1"] - 1, 0)
        assert done_before in (1, 2)
        resumed = dcaudit("audit", "--resume", run_id, "--out", "out", cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        assert f"{done_before} pages done before; not checked again" in resumed.stderr
        after = site.count()
        assert after["/"] - 1 == 1 and after["/p1"] - 1 == 1  # never checked twice

    final = report(tmp_path / "out")
    assert final["run"]["status"] == "complete"
    assert [p["browser_checked"] for p in final["pages"]] == [True, True, True]
    assert final["run"]["stats"]["browser_checked"] == 3
    assert final["tool"]["axe_core"]
    assert not any(n.startswith("interrupted") for n in final["run"]["notes"])
