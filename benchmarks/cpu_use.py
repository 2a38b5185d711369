"""CPU seconds spent by the processes a benchmark side starts (browsers, drivers, dcaudit).

On a machine with few cores the question behind a wall-clock ratio is whether a side was
short of CPU: when the bare floor already keeps the cores busy, a second browser cannot make
the other side faster, and only doing less work can. :class:`NewProcessesCPU` reads /proc a
few times a second and adds up, for every process that started after it and descends from
the given root, the CPU time it was last seen with (a process's last fraction of a second
before it exits is missed). Linux only; elsewhere it reports None.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

POLL_EVERY = 0.2  # seconds between readings of /proc
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _uptime_ticks() -> float:
    return float(Path("/proc/uptime").read_text().split()[0]) * TICKS


def _stat(pid: int) -> tuple[int, float, float, str] | None:
    """(parent pid, start time in ticks since boot, CPU seconds, name) of ``pid``."""
    try:
        head, _, tail = Path(f"/proc/{pid}/stat").read_text().rpartition(")")
        fields = tail.split()
        name = head.partition("(")[2]
    except (OSError, IndexError):
        return None
    # fields[0] is field 3 of proc(5): state; ppid is field 4, utime 14, stime 15, start 22
    return int(fields[1]), float(fields[19]), (int(fields[11]) + int(fields[12])) / TICKS, name


class NewProcessesCPU:
    """CPU seconds of the processes started under ``root`` while it runs (see module doc)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.available = Path("/proc/uptime").is_file()
        self._since = _uptime_ticks() if self.available else 0.0
        self._cpu: dict[int, float] = {}  # pid -> CPU seconds when last seen
        self._names: dict[int, str] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> NewProcessesCPU:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self.available:
            self._thread.join()
            self._read()

    @property
    def seconds(self) -> float | None:
        return sum(self._cpu.values()) if self.available else None

    def seconds_named(self, *names: str) -> float | None:
        """CPU seconds of the processes whose name starts with one of ``names``."""
        if not self.available:
            return None
        return sum(cpu for pid, cpu in self._cpu.items() if self._names[pid].startswith(names))

    def _poll(self) -> None:
        while not self._done.wait(POLL_EVERY):
            self._read()

    def _read(self) -> None:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            stat = _stat(int(entry.name))
            if stat is None or stat[1] < self._since:
                continue  # gone, or older than this measurement
            parents[int(entry.name)] = stat[0]
            if self._descends(int(entry.name), parents):
                self._cpu[int(entry.name)] = stat[2]
                self._names[int(entry.name)] = stat[3]

    def _descends(self, pid: int, parents: dict[int, int]) -> bool:
        """Whether ``pid`` is the root, was counted before (an orphan keeps counting) or has
        a counted or root ancestor among the processes seen so far."""
        seen: set[int] = set()
        while pid not in seen:
            if pid == self.root or pid in self._cpu:
                return True
            seen.add(pid)
            parent = parents.get(pid)
            if parent is None:
                stat = _stat(pid)
                parent = stat[0] if stat is not None else None
            if parent is None or parent <= 1:
                return False
            pid = parent
        return False
