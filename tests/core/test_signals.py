"""SIGTERM stops a run cleanly however dcaudit was started: stored, resumable, exit 130."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from dcaudit.stopping import run_until_stopped, sigterm_interrupts

from .audits import dcaudit, held_site, report, run_id_of, start


def test_sigterm_stops_a_background_job_that_ignores_sigint(tmp_path: Path) -> None:
    with held_site(pages=3) as site:
        held = site.when_requested("/held")
        child = start(
            "audit", site.url("/"), "--no-browser", "--delay", "0", "--concurrency", "1",
            "--out", "out", "-q", cwd=tmp_path, background=True,
        )  # fmt: skip
        assert held.wait(60), "the crawl never reached /held"
        child.send_signal(signal.SIGINT)  # ignored, as by any background job
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 130, err
        assert "Traceback" not in err
        interrupted = report(tmp_path / "out")
        assert interrupted["run"]["status"] == "partial"
        assert [p["url"] for p in interrupted["pages"]] == [site.url("/")]
        site.release_all()
        resumed = dcaudit("audit", "--resume", run_id_of(out), "--out", "out", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    final = report(tmp_path / "out")
    assert final["run"]["status"] == "complete"
    assert len(final["pages"]) == 5  # /, /held, /p1, /p2, /p3
    assert site.count()["/"] == 1  # the page stored before the stop was not fetched again


def test_run_until_stopped_lets_the_coroutine_finish_on_sigterm() -> None:
    async def work() -> str:
        os.kill(os.getpid(), signal.SIGTERM)
        try:
            await asyncio.Event().wait()  # until cancelled
        except asyncio.CancelledError:
            task = asyncio.current_task()
            assert task is not None
            task.uncancel()
            return "stopped cleanly"
        return "not reached"

    with sigterm_interrupts():
        before = signal.getsignal(signal.SIGTERM)
        assert run_until_stopped(work()) == "stopped cleanly"
        assert signal.getsignal(signal.SIGTERM) is before  # the outer handler is back
