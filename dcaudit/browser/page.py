"""Check one page in a started browser: load it, run axe, build the result.

Failures are sorted into two kinds so the pool knows what to do:
``PageFailed`` (this page cannot be checked, the browser is fine) and ``BrowserBroken``
(crashed, hung or unreachable: kill, restart, retry the page once).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from selenium.common.exceptions import (
    InvalidArgumentException,
    JavascriptException,
    NoAlertPresentException,
    TimeoutException,
    UnexpectedAlertPresentException,
    WebDriverException,
)

from dcaudit.browser.axe_findings import axe_findings, axe_rule_help
from dcaudit.browser.axe_runner import inline_source, run_axe
from dcaudit.browser.axe_script import AxeScript
from dcaudit.browser.records import BrowserResult, BrowserTarget
from dcaudit.browser.session import REASON_LIMIT, BrowserSession, describe
from dcaudit.config import Settings
from dcaudit.errors import CheckError

ALERT_ATTEMPTS = 3  # a page that keeps raising dialogs gets this many tries


class PageFailed(Exception):
    """The page cannot be checked; the browser is still usable."""


class BrowserBroken(Exception):
    """The browser crashed, hung or vanished; it must be killed and restarted."""


def check_page(
    session: BrowserSession, target: BrowserTarget, settings: Settings, axe: AxeScript
) -> tuple[BrowserResult, str | None]:
    """The checked page and the axe version the page reported."""
    started = time.perf_counter()
    _load(session, target.url, settings.browser_page_timeout)
    raw = _run_axe(session, target, settings, axe)
    ids = [interaction_id for interaction_id, _ in target.interactions]
    final_url = raw.get("url")
    html = raw.get("html")
    requests = raw.get("requests")
    transferred = raw.get("bytes")
    version = raw.get("version")
    result = BrowserResult(
        url=target.url,
        checked=True,
        error=None,
        final_url=final_url if isinstance(final_url, str) else session.driver.current_url,
        findings=axe_findings(target.url, raw, ids),
        rendered_html=html if isinstance(html, str) else None,
        request_count=_count(requests),
        transfer_bytes=_count(transferred),
        elapsed_ms=(time.perf_counter() - started) * 1000,
        retried=False,
        rule_help=axe_rule_help(raw),
    )
    return result, version[:40] if isinstance(version, str) else None


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)


def _load(session: BrowserSession, url: str, timeout: float) -> None:
    for _ in range(ALERT_ATTEMPTS):
        try:
            session.driver.get(url)
            return
        except UnexpectedAlertPresentException:
            _dismiss_alert(session)
        except TimeoutException as exc:
            raise BrowserBroken(f"page did not finish loading within {timeout:g} s") from exc
        except InvalidArgumentException as exc:
            raise PageFailed(f"browser refused the URL: {describe(exc)}") from exc
        except WebDriverException as exc:
            if "net::ERR_" in (exc.msg or ""):
                raise PageFailed(f"navigation failed: {describe(exc)}") from exc
            raise BrowserBroken(f"browser failed while loading: {describe(exc)}") from exc
        except Exception as exc:  # the driver connection itself (process gone, socket reset)
            raise BrowserBroken(f"browser unreachable while loading: {describe(exc)}") from exc
    raise PageFailed("page kept opening dialogs while loading")


def _dismiss_alert(session: BrowserSession) -> None:
    with contextlib.suppress(NoAlertPresentException, WebDriverException):
        session.driver.switch_to.alert.dismiss()


def _run_axe(
    session: BrowserSession, target: BrowserTarget, settings: Settings, axe: AxeScript
) -> dict[str, Any]:
    selectors = [selector for _, selector in target.interactions]
    inline = None if session.preloaded else inline_source(axe)
    unloaded_once = False
    for _ in range(ALERT_ATTEMPTS + 2):
        try:
            raw = run_axe(
                session.driver,
                settings.axe_tags,
                selectors,
                inline=inline,
                html_limit=settings.max_body_bytes,
            )
        except UnexpectedAlertPresentException:
            _dismiss_alert(session)
            continue
        except TimeoutException as exc:
            raise BrowserBroken(
                f"axe did not finish within {settings.browser_page_timeout:g} s"
            ) from exc
        except JavascriptException as exc:
            # The page navigated itself away while axe ran: run again on the new document.
            if "unload" in (exc.msg or "") and not unloaded_once:
                unloaded_once = True
                continue
            raise PageFailed(f"axe could not run: {describe(exc)}") from exc
        except CheckError as exc:
            raise PageFailed(str(exc)) from exc
        except WebDriverException as exc:
            raise BrowserBroken(f"browser failed while running axe: {describe(exc)}") from exc
        except Exception as exc:
            raise BrowserBroken(f"browser unreachable while running axe: {describe(exc)}") from exc
        net_error = raw.get("net_error")
        if isinstance(net_error, str):
            raise PageFailed(f"navigation failed: net::{net_error[:80]}")
        if raw.get("missing") is True and inline is None:
            # The preload did not reach this document (for example a page that replaced it
            # with document.open): inject into this one.
            inline = inline_source(axe)
            continue
        error = raw.get("error")
        if isinstance(error, str):
            raise PageFailed(f"axe failed in the page: {error[:REASON_LIMIT]}")
        if raw.get("missing") is True:
            raise PageFailed("axe could not be loaded into the page")
        return raw
    raise PageFailed("page kept opening dialogs while axe ran")
