"""The bundled demo site audited twice: nothing new, nothing fixed, no interaction changed.

Each audit serves the demo on its own random port, so identities that kept the host or
port, or an element's position, would show up here as new and fixed problems.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ..core.audits import dcaudit

STILL = ("new>0", "fixed>0", "new.needs_review>0", "new_interactions>0", "gone_interactions>0",
         "reclassified>0", "pages_added>0", "pages_removed>0", "site_risk_delta!=0")  # fmt: skip


def audit_twice(cwd: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    first = dcaudit("demo", *flags, "--out", "demo", "-q", "--format", "json", cwd=cwd)
    assert first.returncode == 0, first.stderr
    saved = dcaudit("baseline", "save", "--out", "demo", cwd=cwd)
    assert saved.returncode == 0, saved.stderr
    gate = [arg for condition in STILL for arg in ("--fail-on", condition)]
    return dcaudit(
        "demo", *flags, "--out", "demo", "-q", "--format", "sarif",
        "--baseline", "dcaudit-baseline.json", *gate, cwd=cwd,
    )  # fmt: skip


def test_demo_audited_twice_gives_nothing_new(tmp_path: Path) -> None:
    second = audit_twice(tmp_path, "--no-browser")
    assert second.returncode == 0, second.stderr
    count = second.stdout.splitlines()[0]
    assert count.startswith("baseline ")
    assert ": 0 new, 0 fixed, " in count
    assert "0 two-way lost, interactions 0 new, 0 gone, 0 reclassified" in count


@pytest.mark.browser
@pytest.mark.slow
def test_demo_audited_twice_in_the_browser_gives_nothing_new(tmp_path: Path) -> None:
    second = audit_twice(tmp_path)
    assert second.returncode == 0, second.stderr + second.stdout
    assert ": 0 new, 0 fixed, " in second.stdout.splitlines()[0]
