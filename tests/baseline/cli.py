"""Running dcaudit as a user does: a separate process, its exit code and its output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def dcaudit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dcaudit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
