"""Which process runs a stored run, and whether it still does.

A run records its process: the pid, the host, and where the system says so (Linux) the
boot id and the process's start time, so a pid reused after a reboot or by another
program is not taken for the run's process. A run marked running whose process is gone
was killed (``kill -9``, a crash, a power cut): the next dcaudit start marks it
interrupted and resumable.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (Linux), or None."""
    stat = _read(Path(f"/proc/{pid}/stat"))
    return None if stat is None else stat[stat.rfind(")") + 2 :].split()


def process_start(pid: int) -> str | None:
    """When process ``pid`` started, in clock ticks since boot (Linux), or None."""
    fields = _stat(pid)
    return fields[19] if fields is not None and len(fields) > 19 else None


def current_owner() -> dict[str, Any]:
    pid = os.getpid()
    return {
        "pid": pid,
        "host": socket.gethostname(),
        "boot": _read(BOOT_ID),
        "start": process_start(pid),
    }


def owner_alive(owner: dict[str, Any]) -> bool | None:
    """Whether the recorded process still runs: None when this machine cannot tell (the
    store was written on another host)."""
    if owner.get("host") != socket.gethostname():
        return None
    boot = _read(BOOT_ID)
    if owner.get("boot") and boot and owner["boot"] != boot:
        return False  # rebooted since
    pid = owner.get("pid")
    if not isinstance(pid, int):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # a process of another user has the pid: the start time tells
    fields = _stat(pid)
    if fields is None or len(fields) < 20:
        return True  # no /proc: the pid is in use, which has to do
    if fields[0] in ("Z", "X"):
        return False  # ended, not yet reaped by its parent
    return owner.get("start") in (None, fields[19])


__all__ = ["current_owner", "owner_alive", "process_start"]
