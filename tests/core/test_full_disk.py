"""The store on a full disk. A small file system (tmpfs with ``size=``; where mounting is not
permitted, a file size limit on the dcaudit process) fills up in the middle of a crawl: the
run ends with one line naming the cause and the command that resumes it (exit 3, as a run
that fails), SQLite's integrity check passes on the store, and once there is room
``dcaudit audit --resume ID`` completes the run as an uninterrupted one would have."""

from __future__ import annotations

import contextlib
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from dcaudit.cli import main

from ..crawl.fakes import LoopbackSite, serving
from .stored import state

SECTIONS = ("bins", "tax", "planning", "parking", "housing")
OPTIONS = ["--no-browser", "--delay", "0", "-q"]


def build_site(site: LoopbackSite, pages: int = 50) -> None:
    """Pages of seeded random words (they compress little), each linking to two more."""
    draw = random.Random(7)
    vocabulary = ["".join(draw.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(4000)]
    paths = ["/"] + [f"/{SECTIONS[n % len(SECTIONS)]}/page-{n}" for n in range(1, pages)]
    for n, path in enumerate(paths):
        links = "".join(
            f'<a href="{paths[c]}">more</a> ' for c in (2 * n + 1, 2 * n + 2) if c < pages
        )
        words = " ".join(draw.choices(vocabulary, k=2500))
        site.page(
            path,
            f"<html lang='en'><title>Page {n}</title><body>{links}<p>{words}</p></body></html>",
        )


class SmallDisk:
    """A folder on which little can be written, and a way to make room. It is made outside
    pytest's temporary folders: pytest renames old ones while other sessions may still run,
    and a mount inside one would then be lost to its umount."""

    def __init__(self, size_kb: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dcaudit-small-disk-"))
        self.size_kb = size_kb
        self.mounted = False

    def __enter__(self) -> SmallDisk:
        if os.geteuid() == 0:  # root may mount, unless the container forbids it
            mount = [*f"mount -t tmpfs -o size={self.size_kb}k tmpfs".split(), str(self.folder)]
            self.mounted = subprocess.run(mount, capture_output=True).returncode == 0
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mounted and subprocess.run(["umount", str(self.folder)]).returncode != 0:
            subprocess.run(["umount", "--lazy", str(self.folder)], check=True)  # still open
        shutil.rmtree(self.folder)

    def limit(self) -> Callable[[], None] | None:
        """For the dcaudit process: without a mount, a limit on the size of files it writes
        (SQLite is told 'no room' past it, as on a full disk)."""
        if self.mounted:
            return None
        size = self.size_kb * 1024

        def limited() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

        return limited

    def make_room(self) -> None:
        if self.mounted:
            remount = ["mount", "-o", "remount,size=64m", str(self.folder)]
            subprocess.run(remount, check=True)
        self.size_kb = 64 * 1024


def audit(disk: SmallDisk, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dcaudit", *args],
        cwd=disk.folder.parent,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=disk.limit(),
    )


def test_a_full_disk_ends_the_run_in_one_line_and_resume_completes_it(tmp_path: Path) -> None:
    with serving(LoopbackSite()) as site:
        build_site(site)
        whole = CliRunner().invoke(
            main, ["audit", site.url("/"), "--out", str(tmp_path / "whole"), *OPTIONS]
        )
        assert whole.exit_code == 0, whole.output
        with SmallDisk(size_kb=400) as disk:
            out = disk.folder / "out"
            full = audit(disk, "audit", site.url("/"), "--out", str(out), *OPTIONS)
            assert full.returncode == 3, full.stderr
            assert (
                full.stderr.startswith("dcaudit: error: cannot write ")
                and full.stderr.count("\n") == 1
            )
            assert "to the store" in full.stderr
            with contextlib.closing(sqlite3.connect(out / "dcaudit.sqlite")) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                (run_id,) = [row[0] for row in db.execute("SELECT id FROM runs")]
                (stored,) = db.execute("SELECT COUNT(*) FROM pages").fetchone()
            assert f"once there is room, dcaudit audit --resume {run_id} --out {out}" in full.stderr
            assert 0 < stored < 50  # the disk filled in the middle of the crawl

            disk.make_room()
            resumed = audit(disk, "audit", "--resume", run_id, "--out", str(out), "-q")
            assert resumed.returncode == 0, resumed.stderr
            assert state(out) == state(tmp_path / "whole")
            with contextlib.closing(sqlite3.connect(out / "dcaudit.sqlite")) as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
