"""A run's process is recorded; a run whose process was killed is marked interrupted; the
browsers' process groups die with dcaudit however it ends."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dcaudit.config import Settings
from dcaudit.errors import ConfigError
from dcaudit.models import Run, RunStatus
from dcaudit.owner import current_owner, owner_alive
from dcaudit.resume import claim, reclaim_abandoned
from dcaudit.store import Store


def ended_process_owner() -> dict[str, object]:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return {**current_owner(), "pid": child.pid, "start": None}


def test_owner_alive_tells_this_process_from_an_ended_one() -> None:
    me = current_owner()
    assert owner_alive(me) is True
    assert owner_alive(ended_process_owner()) is False
    assert owner_alive({**me, "start": "0"}) is False  # the pid now belongs to another process
    assert owner_alive({**me, "boot": "another boot"}) is (me["boot"] is None)
    assert owner_alive({**me, "host": "another machine"}) is None  # cannot tell: left alone


def test_reclaim_marks_a_run_whose_process_is_gone_and_claim_refuses_a_live_one(
    tmp_path: Path,
) -> None:
    settings = Settings(out_dir="audits")
    with Store(tmp_path / "s.sqlite") as store:
        for run_id in ("killed", "alive", "elsewhere"):
            store.create_run(Run(run_id, "2026-01-01T00:00:00Z", (), settings.to_dict()))
        store.set_owner("killed", ended_process_owner())
        store.set_owner("alive", current_owner())
        store.set_owner("elsewhere", {**current_owner(), "host": "another machine"})

        assert reclaim_abandoned(store) == ["killed"]
        killed = store.get_run("killed")
        assert killed.status is RunStatus.PARTIAL
        assert killed.notes[-1].startswith("interrupted: the process running it (pid ")
        assert killed.notes[-1].endswith("resume with dcaudit audit --resume killed --out audits")
        assert store.get_run("alive").status is RunStatus.RUNNING
        assert store.get_run("elsewhere").status is RunStatus.RUNNING
        assert reclaim_abandoned(store) == []

        still = f"run alive is still running \\(process {os.getpid()}\\)"
        with pytest.raises(ConfigError, match=still):
            claim(store, store.get_run("alive"))
        claim(store, killed)  # a run no live process holds can be taken over
        assert store.owners(RunStatus.PARTIAL)["killed"] == current_owner()


# a dcaudit stand-in: starts two process groups, has the reaper watch both and forget the
# second, says the pids, then waits to be killed
PARENT = """
import subprocess, sys
from dcaudit.browser.reaper import REAPER
victims = [
    subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"],
                     start_new_session=True, stdout=subprocess.DEVNULL)
    for _ in range(2)
]
for victim in victims:
    REAPER.watch(victim.pid)
REAPER.forget(victims[1].pid)
print(victims[0].pid, victims[1].pid, REAPER.pid, flush=True)
sys.stdin.read()
"""


def wait_ended(pid: int) -> bool:
    """Wait on a pidfd (no polling) until ``pid`` has ended; False after a minute."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], 60)[0])
    finally:
        os.close(fd)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfds")
def test_reaper_kills_the_watched_groups_when_its_process_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    watched, forgotten, reaper = map(int, parent.stdout.readline().split())
    try:
        parent.kill()  # SIGKILL: no clean-up of any kind in the parent
        parent.wait()
        assert wait_ended(watched), "the watched group outlived its dcaudit"
        assert wait_ended(reaper), "the reaper did not end after its work"
        os.kill(forgotten, 0)  # a forgotten group is left alone (its id may be reused)
    finally:
        parent.stdout.close()
        assert parent.stdin is not None
        parent.stdin.close()
        for pid in (watched, forgotten):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
