"""The pool survives hung pages, killed browsers and interrupts, and leaves nothing running."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dcaudit.browser.run import BrowserResult, BrowserTarget, run_browser_pass
from dcaudit.config import Settings
from dcaudit.errors import BrowserUnavailable

pytestmark = pytest.mark.browser


def test_browser_pass_fails_a_hanging_page_and_goes_on(site: Any) -> None:
    settings = Settings(browser_workers=1, browser_page_timeout=2)
    hang, after = site.url("/hang"), site.url("/plain/after-hang")
    results: dict[str, BrowserResult] = {}

    report = run_browser_pass(
        settings, [BrowserTarget(hang), BrowserTarget(after)], lambda r: results.update({r.url: r})
    )

    assert not results[hang].checked
    assert results[hang].retried
    assert "did not finish loading within 2 s" in (results[hang].error or "")
    assert len(site.hang_hits) >= 2  # tried, then retried on a fresh browser
    assert results[after].checked and not results[after].retried
    assert report.checked == 1 and report.failed == 1 and report.restarts >= 1


@pytest.mark.parametrize("victim", ["chromium", "chromedriver"])
def test_browser_pass_restarts_a_killed_browser_and_retries_the_page(
    site: Any, procs: Any, victim: str
) -> None:
    settings = Settings(browser_workers=1, browser_page_timeout=15)
    urls = [site.url(f"/plain/kill-{victim}-{n}") for n in range(3)]
    results: list[BrowserResult] = []
    groups: set[int] = set()

    def on_result(result: BrowserResult) -> None:
        results.append(result)
        if len(results) == 1:
            (driver,) = procs.our_drivers()
            groups.add(driver.pgid)
            target = procs.browser_of(driver) if victim == "chromium" else driver
            procs.kill(target.pid)

    report = run_browser_pass(settings, [BrowserTarget(u) for u in urls], on_result)

    assert [r.url for r in results] == urls  # every page accounted for, in order
    assert all(r.checked for r in results), [r.error for r in results]
    assert [r.retried for r in results] == [False, True, False]
    assert report.restarts == 1 and report.checked == 3 and report.failed == 0
    assert procs.live_in_groups(groups) == []  # the killed browser's remains are gone too


def test_browser_pass_kills_every_browser_when_the_callback_raises(site: Any, procs: Any) -> None:
    settings = Settings(browser_workers=2, browser_page_timeout=15)
    groups: set[int] = set()

    def on_result(result: BrowserResult) -> None:
        groups.update(d.pgid for d in procs.our_drivers())
        raise RuntimeError("store is full")

    targets = [BrowserTarget(site.url(f"/plain/cb{n}")) for n in range(6)]
    with pytest.raises(RuntimeError, match="store is full"):
        run_browser_pass(settings, targets, on_result)

    assert len(groups) == 2
    assert procs.live_in_groups(groups) == []
    assert procs.our_drivers() == []


def test_browser_pass_kills_every_browser_on_keyboard_interrupt(site: Any, procs: Any) -> None:
    settings = Settings(browser_workers=2, browser_page_timeout=15)
    groups: set[int] = set()

    def targets() -> Iterator[BrowserTarget]:
        yield BrowserTarget(site.url("/plain/int0"))
        groups.update(d.pgid for d in procs.our_drivers())  # the browsers are up by now
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_browser_pass(settings, targets(), lambda result: None)

    assert len(groups) == 2
    assert procs.live_in_groups(groups) == []
    assert procs.our_drivers() == []


def test_browser_pass_raises_when_no_browser_can_start(site: Any, tmp_path: Path) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    settings = Settings(browser_workers=2, chromium_path=str(broken))
    results: list[BrowserResult] = []

    with pytest.raises(BrowserUnavailable, match="no browser could start: Chromium could not"):
        run_browser_pass(settings, [BrowserTarget(site.url("/plain/x"))], results.append)
    assert results == []
