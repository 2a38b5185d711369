"""Browsers die with dcaudit, however dcaudit ends (``kill -9`` included).

A parent-death signal on ChromeDriver would not do: Chromium outlives a killed ChromeDriver
(it keeps running under PID 1), and Linux sends that signal when the *thread* that started
the driver ends, which for the pool's worker threads is not when dcaudit ends. Instead a
small helper process, started once, holds the read end of a pipe from dcaudit and is told
the process group of every browser started (ChromeDriver leads one; Chromium and its
renderers are in it) and its profile folder. When the pipe closes (dcaudit has ended, in
whatever way), the helper kills every group still registered, deletes their folders, then
ends. Groups whose browser dcaudit killed itself
are unregistered first, so a reused group id is never hit.

A browser is registered once ChromeDriver has started, so a kill -9 in between would leave
it running: the helper is started before the first browser, each ChromeDriver starts with
``DCAUDIT_REAPER=<this dcaudit's token>`` in its environment (Chromium inherits it), and
where /proc lists processes the helper also kills every process that carries it.

The helper ignores SIGINT and SIGTERM (a terminal's Ctrl-C or a container stop reaches it
with dcaudit, and it must outlive dcaudit to clean up) and runs in its own session (so a
kill of dcaudit's whole process group leaves it to do its work). POSIX only; elsewhere
browsers are only killed by dcaudit itself.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import threading
from typing import IO

log = logging.getLogger(__name__)

# -I -S: no site packages, no user paths; starts in a few milliseconds
_HELPER = r"""
import os, shutil, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
mark = ("DCAUDIT_REAPER=" + sys.argv[1]).encode()
groups = {}
for line in sys.stdin:
    sign, group, folder = line[:1], *line[1:].rstrip("\n").split(" ", 1)
    if sign == "+":
        groups[int(group)] = folder
    else:
        groups.pop(int(group), None)
start = time.monotonic()

def marked():
    found = []
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as environ:
                if mark in environ.read():
                    found.append(int(name))
        except OSError:
            pass
    return found

# until nothing is found for a second (a driver forked as dcaudit died only carries the
# mark once it has exec'd), for 10 s at most
alive = set(groups)
quiet = time.monotonic()
while time.monotonic() < quiet + 1 and time.monotonic() < start + 10:
    for group in list(alive):
        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            alive.discard(group)
    strays = marked()
    for pid in strays:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if alive or strays:
        quiet = time.monotonic()
    time.sleep(0.01)
for folder in groups.values():
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
"""


class Reaper:
    """The helper process and the pipe to it; every method is safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pipe: IO[str] | None = None
        self._process: subprocess.Popen[str] | None = None
        self._groups: dict[int, str] = {}  # group -> its line for the helper
        self._unavailable = False
        self.token = secrets.token_hex(8)  # in every browser's environment (BROWSER_VARIABLE)

    def ready(self) -> None:
        """Start the helper now, before a browser is: one killed with dcaudit while it
        starts, before :meth:`watch`, is found by the token in its environment."""
        with self._lock:
            if self._pipe is None:
                self._start()

    def watch(self, group: int, folder: str = "") -> None:
        """Kill process group ``group`` (and delete ``folder``, its profile) if dcaudit
        ends before :meth:`forget` is called."""
        line = f"{group} {folder}\n"
        with self._lock:
            self._groups[group] = line
            self._send("+" + line)

    def forget(self, group: int) -> None:
        with self._lock:
            if self._groups.pop(group, None) is not None:
                self._send(f"-{group} \n")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _send(self, line: str) -> None:
        pipe = self._pipe or self._start()
        if pipe is None:
            return
        try:
            pipe.write(line)
            pipe.flush()
        except OSError as exc:  # the helper is gone: the next call starts another
            log.warning("browser reaper stopped: %s", exc)
            self._pipe = None

    def _start(self) -> IO[str] | None:
        """Start the helper, telling it every group already watched."""
        if self._unavailable or os.name != "posix":
            return None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _HELPER, self.token],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
        except OSError as exc:
            log.warning("browser reaper could not start: %s", exc)
            self._unavailable = True
            return None
        pipe = self._process.stdin
        assert pipe is not None
        pipe.write("".join("+" + line for line in self._groups.values()))
        self._pipe = pipe
        return pipe


BROWSER_VARIABLE = "DCAUDIT_REAPER"  # set to REAPER.token for every browser started
REAPER = Reaper()

__all__ = ["BROWSER_VARIABLE", "REAPER", "Reaper"]
