"""kill -9 at seeded random points of a run, then ``dcaudit audit --resume ID``: the run
ends as an uninterrupted run of the same site does (the same pages, interactions and
findings, ids and fingerprints alike, nothing twice in the store) and nothing it started
is left running.

The points come from ``DCAUDIT_TEST_KILL_AFTER`` (dcaudit/killpoint.py): a write to the
store about to be committed (pages with what was found on them, the browser's findings,
the scores), a page about to be analysed, a report file written. Each is a fraction of
how many such points an uninterrupted run passes, drawn once from a fixed seed, so the
same points run everywhere; the test id names each.
"""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dcaudit import killpoint, pipeline
from dcaudit.cli import main
from dcaudit.store import Store

from ..crawl.fakes import LoopbackSite, Reply, serving
from .stored import state

SEED = 13
_draw = random.Random(SEED)
# (stage, fraction of the stage's points in an uninterrupted run); ids say which
PLAIN = [
    *(("commit", round(_draw.uniform(0.05, 1), 3)) for _ in range(8)),
    *(("analysis", round(_draw.uniform(0, 1), 3)) for _ in range(5)),
    *(("report", round(_draw.uniform(0, 1), 3)) for _ in range(4)),
]
IN_BROWSER = [("commit", round(_draw.uniform(0.05, 1), 3)) for _ in range(4)]
OPTIONS = ["--delay", "0", "--concurrency", "1", "-q"]
BROWSER_OPTIONS = ["--browser-workers", "1", "--browser-max-pages", "4"]


def page(title: str, body: str, lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><title>{title}</title></head><body>'
        '<header><a href="/">Home</a> <a href="/contact">Contact</a></header>'
        f"<main><h1>{title}</h1>{body}</main>"
        '<footer><a href="mailto:help@council.example">Email us</a></footer></body></html>'
    )


def build_site(site: LoopbackSite) -> None:
    """Pages with forms, documents, images, a Welsh page, a redirect and a missing page."""
    news = "".join(f'<li><a href="/news/{n}">News {n}</a></li>' for n in range(1, 5))
    site.page(
        "/",
        page(
            "Example Council",
            f'<form action="/search"><input name="q"><button>Search</button></form><ul>{news}</ul>'
            '<a href="/apply">Apply for a permit</a> <a href="/consultation">Have your say</a>'
            ' <a href="/docs/claim.pdf">Claim form (PDF)</a> <a href="/cy/">Cymraeg</a>'
            ' <a href="/old">Old page</a> <a href="/missing">Gone</a>',
        ),
    )
    site.page(
        "/apply",
        page(
            "Apply for a parking permit",
            '<form action="/apply/send" method="post"><input name="full-name">'
            '<input type="email" name="email"><img src="/pay.png"><button>Apply</button></form>',
        ),
    )
    site.page(
        "/consultation",
        page(
            "Budget consultation",
            "<p>Tell us what you think of our budget proposals.</p>"
            '<form action="/consultation/reply" method="post"><label for="v">Your views</label>'
            '<textarea id="v" name="views"></textarea><button>Send your views</button></form>',
        ),
    )
    site.page(
        "/contact",
        page(
            "Contact us",
            '<p>Call <a href="tel:+441632960000">01632 960000</a>.</p>'
            '<form action="/contact/send" method="post"><input name="message">'
            "<button>Send</button></form>",
        ),
    )
    for n in range(1, 5):
        site.page(f"/news/{n}", page(f"News {n}", f'<img src="/n{n}.jpg"><p>Story {n}.</p>'))
    site.page("/cy/", page("Cyngor", "<p>Gwasanaethau'r cyngor.</p>", lang="cy"))
    site.add("/docs/claim.pdf", Reply(body=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"))
    site.add("/old", Reply(status=301, headers=(("Location", "/news/1"),)))


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackSite]:
    with serving(LoopbackSite()) as served:
        build_site(served)
        yield served


def counted_run(
    site: LoopbackSite, out: Path, extra: list[str]
) -> tuple[dict[str, Any], Counter[str]]:
    """An uninterrupted run in this process, counting the points of each stage it passes."""
    passed: Counter[str] = Counter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(killpoint, "reached", lambda stage: passed.update([stage]))
        result = CliRunner().invoke(
            main, ["audit", site.url("/"), "--out", str(out), *OPTIONS, *extra]
        )
    assert result.exit_code == 0, result.output
    return state(out), passed


Reference = tuple[dict[str, Any], Counter[str]]


@pytest.fixture(scope="module")
def uninterrupted(
    site: LoopbackSite, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[bool], Reference]:
    """The uninterrupted run with or without the browser, each made once when first asked."""

    @functools.cache
    def made(browser: bool) -> Reference:
        out = tmp_path_factory.mktemp("uninterrupted")
        return counted_run(site, out, BROWSER_OPTIONS if browser else ["--no-browser"])

    return made


def processes_marked(mark: str) -> list[int]:
    """Processes whose environment holds ``mark`` (dcaudit's children inherit it)."""
    found = []
    needle = f"DCAUDIT_TEST_MARK={mark}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile, or not ours to read
    return found


def none_left(mark: str, seconds: float = 30) -> list[int]:
    """Poll until no process carries ``mark``; those still there at the deadline."""
    deadline = time.monotonic() + seconds
    while (left := processes_marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def kill_at(site: LoopbackSite, out: Path, extra: list[str], stage: str, number: int) -> str:
    """dcaudit in its own process, killed at the ``number``-th point of ``stage``."""
    mark = uuid.uuid4().hex
    env = {**os.environ, killpoint.ENVIRONMENT: f"{stage}:{number}", "DCAUDIT_TEST_MARK": mark}
    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "dcaudit",
            "audit",
            site.url("/"),
            "--out",
            str(out),
            *OPTIONS,
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -9, (killed.returncode, killed.stderr)
    assert none_left(mark) == []  # no browser, driver or helper outlives the kill
    return mark


@pytest.mark.parametrize(("stage", "fraction"), PLAIN, ids=[f"{s}-{f}" for s, f in PLAIN])
def test_kill_9_then_resume_ends_as_an_uninterrupted_run(
    site: LoopbackSite,
    uninterrupted: Callable[[bool], Reference],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage: str,
    fraction: float,
) -> None:
    expected, points = uninterrupted(False)
    number = max(1, round(fraction * points[stage]))
    kill_at(site, tmp_path, ["--no-browser"], stage, number)
    with Store(tmp_path / "dcaudit.sqlite", create=False) as store:
        runs = store.list_runs()
    if not runs:  # killed before the run was first stored: nothing to resume
        assert stage == "commit" and number <= 2
        return
    (run,) = runs
    # the resume in this process, as `dcaudit audit --resume ID` (the packs read once)
    monkeypatch.setattr(pipeline, "load_packs", functools.cache(pipeline.load_packs))
    resumed = CliRunner().invoke(main, ["audit", "--resume", run.id, "--out", str(tmp_path), "-q"])
    assert resumed.exit_code == 0, resumed.output
    assert state(tmp_path) == expected
    assert (tmp_path / "report.json").is_file()


def resumed_in_a_process(run_id: str, out: Path) -> None:
    """``dcaudit audit --resume`` as a process of its own: it must leave nothing running."""
    mark = uuid.uuid4().hex
    env = {**os.environ, "DCAUDIT_TEST_MARK": mark}
    command = [sys.executable, "-m", "dcaudit", "audit", "--resume", run_id, "--out", str(out)]
    resumed = subprocess.run([*command, "-q"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert none_left(mark) == []


@pytest.mark.browser
@pytest.mark.parametrize(("stage", "fraction"), IN_BROWSER, ids=[f"{s}-{f}" for s, f in IN_BROWSER])
def test_kill_9_with_the_browser_pass_then_resume_ends_as_an_uninterrupted_run(
    site: LoopbackSite,
    uninterrupted: Callable[[bool], Reference],
    tmp_path: Path,
    stage: str,
    fraction: float,
) -> None:
    expected, points = uninterrupted(True)
    assert expected["axe"] and expected["stats"][2] == 4  # axe ran on four pages
    number = max(3, round(fraction * points[stage]))
    kill_at(site, tmp_path, BROWSER_OPTIONS, stage, number)
    with Store(tmp_path / "dcaudit.sqlite", create=False) as store:
        (run,) = store.list_runs()
    resumed_in_a_process(run.id, tmp_path)
    # axe's version and rule help too: stored as the results came in
    assert state(tmp_path) == expected


@pytest.mark.browser
def test_kill_9_after_the_browser_pass_keeps_axe_version_and_rule_help(
    site: LoopbackSite, uninterrupted: Callable[[bool], Reference], tmp_path: Path
) -> None:
    expected, points = uninterrupted(True)
    kill_at(site, tmp_path, BROWSER_OPTIONS, "commit", points["commit"] - 2)  # while scoring
    with Store(tmp_path / "dcaudit.sqlite", create=False) as store:
        (run,) = store.list_runs()
    resumed_in_a_process(run.id, tmp_path)
    assert state(tmp_path) == expected


# dcaudit killed in the instant between ChromeDriver's start and the reaper being told of it
# (a kill point in the crawl can fall there while the first browser starts)
KILLED_AS_A_BROWSER_STARTS = """
import os, signal
from dcaudit.browser import reaper, session
from dcaudit.browser.axe_script import load_axe
from dcaudit.config import Settings

reaper.REAPER.watch = lambda group, folder="": os.kill(os.getpid(), signal.SIGKILL)
session.start_session(Settings(), load_axe(Settings()), frozenset())
"""


@pytest.mark.browser
def test_kill_9_as_a_browser_starts_leaves_no_driver_or_browser() -> None:
    mark = uuid.uuid4().hex
    env = {**os.environ, "DCAUDIT_TEST_MARK": mark}
    command = [sys.executable, "-c", KILLED_AS_A_BROWSER_STARTS]
    killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert none_left(mark) == []


def test_the_points_cover_every_stage_twenty_times_or_more() -> None:
    assert len(PLAIN) + len(IN_BROWSER) >= 20
    assert {stage for stage, _ in PLAIN} == set(killpoint.STAGES)
