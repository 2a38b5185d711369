"""The README's "Use" examples, run as written, in order, as a new user would."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from dcaudit.demo.server import DemoServer

from .audits import dcaudit

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = "https://www.example.gov.uk/"


def use_blocks() -> list[list[str]]:
    """The ```sh blocks of the Use section, each as its command lines (comments cut)."""
    use = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Use\n", 1)[1]
    use = use.split("\n### ", 1)[0]
    blocks = [part.split("```", 1)[0] for part in use.split("```sh\n")[1:]]
    return [
        [line.split(" # ")[0].strip() for line in b.splitlines() if line.strip()] for b in blocks
    ]


def run_line(line: str, cwd: Path) -> int:
    args = shlex.split(line)
    assert args[0] == "dcaudit", line
    result = dcaudit(*args[1:], cwd=cwd)
    assert "Traceback" not in result.stderr, (line, result.stderr)
    return result.returncode


@pytest.mark.browser
def test_readme_demo_examples_run_as_written_in_order(tmp_path: Path) -> None:
    offline, _ = use_blocks()
    assert offline[0] == "dcaudit demo"
    for line in offline:
        assert run_line(line, tmp_path) == 0, line
    assert (tmp_path / "reports" / "again" / "report.sarif").stat().st_size > 0
    assert (tmp_path / "dcaudit-baseline.json").is_file()


@pytest.mark.browser
def test_readme_own_site_examples_run_against_a_loopback_site(tmp_path: Path) -> None:
    _, own_site = use_blocks()
    with DemoServer() as server:
        for line in own_site:
            if "RUN_ID" in line:  # the resume line names the id a run prints
                continue
            code = run_line(line.replace(EXAMPLE_SITE, server.url), tmp_path)
            # the demo site has planted critical barriers: the gate example fails, as it should
            assert code == (1 if "--fail-on" in line else 0), line
    assert (tmp_path / "reports" / "example" / "report.html").is_file()
