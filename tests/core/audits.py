"""Helpers for tests that run dcaudit as a user would: a process, a loopback site, a store."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..crawl.fakes import LoopbackSite, Reply, serving


def dcaudit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dcaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def start(*args: str, cwd: Path, background: bool = False) -> subprocess.Popen[str]:
    """dcaudit in a process of its own. ``background``: started as ``dcaudit ... &`` from a
    non-interactive shell starts it, with SIGINT ignored (POSIX shells do that for
    background jobs when job control is off, and the child inherits it)."""

    def ignore_sigint() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.Popen(
        [sys.executable, "-m", "dcaudit", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ignore_sigint if background else None,
    )


def one_line_error(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("dcaudit: error: ")


def report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text())
    return data


def links(*paths: str) -> str:
    anchors = "".join(f'<a href="{p}">{p}</a>' for p in paths)
    return f"<html lang='en'><title>page</title><body>{anchors}</body></html>"


@contextmanager
def held_site(pages: int) -> Iterator[LoopbackSite]:
    """``/`` links to ``/held`` first, then ``/p1`` ... ``/p<pages>``; ``/held`` answers
    only once ``site.release_all()`` is called (or the site stops)."""
    with serving(LoopbackSite()) as site:
        release = site.blocker()
        paths = [f"/p{n}" for n in range(1, pages + 1)]
        site.page("/", links("/held", *paths))
        site.add("/held", Reply(body=links("/").encode(), wait=release))
        for path in paths:
            site.page(path, links("/"))
        yield site


def run_id_of(stdout: str) -> str:
    """The run id from dcaudit's summary ("run ID: status")."""
    first = stdout.split("\n", 1)[0]
    assert first.startswith("run "), stdout
    return first.split()[1].rstrip(":")
