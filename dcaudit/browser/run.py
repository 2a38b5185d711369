"""The browser pass: axe-core in headless Chromium for every target page.

Entry points for the pipeline:

- ``browser_available(settings)``: None when the pass can run, else the reason.
- ``run_browser_pass(settings, targets, on_result)``: checks every target and calls
  ``on_result`` once per target (checked, or failed with a reason), from worker threads
  but never two at a time.

The pieces: ``axe_script`` finds axe-core 4.x, ``session`` starts and kills one
browser, ``axe_runner`` is our one-call-per-page axe runner (its docstring says why we do
not use axe-selenium-python's), ``page`` checks one page, ``pool`` runs the
browsers in threads, ``axe_findings`` turns axe output into Findings.
"""

from __future__ import annotations

import functools
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable

from dcaudit.browser.axe_findings import finding_fingerprint, wcag_criteria
from dcaudit.browser.axe_script import load_axe
from dcaudit.browser.pool import BrowserPool, worker_count
from dcaudit.browser.records import BrowserPassReport, BrowserResult, BrowserTarget
from dcaudit.browser.session import find_binaries, start_session
from dcaudit.config import Settings
from dcaudit.errors import BrowserUnavailable

__all__ = [
    "BrowserPassReport",
    "BrowserResult",
    "BrowserTarget",
    "browser_available",
    "finding_fingerprint",
    "run_browser_pass",
    "wcag_criteria",
]

REMOTE_STATUS_TIMEOUT = 5.0


def browser_available(settings: Settings) -> str | None:
    """None when the browser pass can run, else why not (no browser, no driver, no axe).

    Cheap: looks for the programs and axe-core (and asks a remote WebDriver for its
    status); it does not start a browser.
    """
    try:
        load_axe(settings)
        if settings.webdriver_url:
            _remote_status(settings.webdriver_url)
        else:
            find_binaries(settings)
    except BrowserUnavailable as exc:
        return str(exc)
    return None


def _remote_status(url: str) -> None:
    status_url = url.rstrip("/") + "/status"
    try:
        with urllib.request.urlopen(status_url, timeout=REMOTE_STATUS_TIMEOUT) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise BrowserUnavailable(f"remote WebDriver at {url} does not answer: {exc}") from exc


def run_browser_pass(
    settings: Settings,
    targets: Iterable[BrowserTarget],
    on_result: Callable[[BrowserResult], None],
) -> BrowserPassReport:
    """Check every target with axe in headless Chromium.

    ``targets`` may be a lazy iterable: it is consumed as browsers become free. Raises
    BrowserUnavailable only when axe-core is missing or no browser can start at all;
    an exception from ``on_result`` stops the pass and is re-raised.
    """
    axe = load_axe(settings)
    if not settings.webdriver_url:
        find_binaries(settings)  # fail early with the clear message
    launcher = functools.partial(start_session, settings, axe)
    pool = BrowserPool(settings, axe, launcher, on_result, worker_count(settings, targets))
    return pool.run(targets)
