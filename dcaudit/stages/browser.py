"""The browser pass, fed while the crawl runs.

Each page goes to the browsers as soon as the crawl has fetched, analysed and stored it
(when :class:`~dcaudit.stages.choice.BrowserChoice` picks it), and each result is stored as
soon as it comes back, so the browsers check pages while the crawl fetches the rest; the
pass ends when the crawl has ended and the last page is checked.

Everything but the browsers runs on the crawl's event loop: results come back from the
browser threads through ``call_soon_threadsafe`` (a browser never waits for a result to be
stored), and only the event loop's thread uses the store. Pages are read back from the
store in the order they were stored, a few at a time, so the pass holds in memory only the
pages its browsers are working on. A resumed run feeds its earlier pages first and skips
those the browser already checked or failed
(:func:`~dcaudit.stages.browser_findings.checked_before`).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from dcaudit.browser.axe_script import load_axe
from dcaudit.browser.pool import BrowserPool, worker_count
from dcaudit.browser.records import BrowserResult, BrowserTarget
from dcaudit.browser.resume import BrowserSeen
from dcaudit.browser.run import browser_available
from dcaudit.browser.session import host_of, start_session
from dcaudit.config import Settings
from dcaudit.crawl.crawler import CrawlProgress, CrawlReport
from dcaudit.errors import BrowserUnavailable
from dcaudit.models import Interaction, Page
from dcaudit.stages.browser_findings import (
    BrowserRules,
    checked_before,
    store_failure,
    store_result,
)
from dcaudit.stages.choice import BrowserChoice
from dcaudit.store import Store

Progress = Callable[[CrawlProgress], None]
READ_AHEAD = 32  # stored pages read from the store at a time
# While the crawl analyses pages on the event loop, the browser threads wait for the GIL to
# send each next command; handing it over every 0.5 ms instead of Python's 5 ms keeps the
# browsers busy (the whole audit about 4% faster on the benchmark's 205 pages)
SWITCH_INTERVAL = 0.0005
# axe-core version, notes, pages checked (earlier sessions too), axe's help text per rule
BrowserOutcome = tuple[str | None, list[str], int, dict[str, str]]


class BrowserStage:
    """One run's browser pass; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        run_id: str,
        rules: BrowserRules,
        say: Callable[[str], None],
        seen: BrowserSeen,
    ) -> None:
        self.settings = settings
        self.store = store
        self.run_id = run_id
        self.rules = rules
        self.say = say
        self.seen = seen  # also in the run's tool, stored as it is learnt
        self.choice = BrowserChoice(settings)
        self.earlier: dict[str, str | None] = {}  # checked (None) or failed before a resume
        self.failures: list[str] = []
        self.in_flight: dict[str, tuple[Page, list[Interaction]]] = {}
        self.submitted = 0
        self.checked = 0
        self.crawl_done = False
        self.skipped: str | None = self._why_not(settings)  # the note when the pass is off
        self.error: Exception | None = None
        self.pool: BrowserPool | None = None
        self._declared: str | None = None  # the version axe-core's package declares
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done: asyncio.Future[None] | None = None
        self._ahead: deque[Page] = deque()
        self._cursor = 0  # sequence number of the last stored page read
        self._scheduled = False
        self._closed = False
        self._switch_interval: float | None = None  # Python's own, while the pass runs

    def _why_not(self, settings: Settings) -> str | None:
        if not settings.browser:
            return "browser checks off (--no-browser): static checks only"
        reason = browser_available(settings)
        if reason is None:
            return None
        self.say(f"WARNING: the browser pass did not run: {reason}")
        return f"browser pass did not run: {reason}; static checks only"

    @property
    def stage(self) -> str:
        """What an interruption now stops, as the run's note names it."""
        return "browser pass" if self.crawl_done else "crawl"

    # -- around the crawl ----------------------------------------------------------------
    async def alongside(
        self, crawling: Coroutine[Any, Any, CrawlReport], seeds: Sequence[str]
    ) -> tuple[CrawlReport, str | None]:
        """Run the crawl (created with ``progress=self.watch(...)``) with the pass fed from
        it, then finish the pass. Returns the crawl's report and the stage a cancellation
        (Ctrl-C, SIGTERM) stopped, or None. Stopped or failed, every browser is killed
        before this returns; done, the browsers are told to stop and :meth:`close` waits
        for them, so they close while the run's last stages go on."""
        clean = False
        try:
            self._open(asyncio.get_running_loop(), seeds)
            report = await crawling
            if report.interrupted:
                return report, "crawl"
            self.crawl_done = True
            self._pump()
            try:
                await self._drained()
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                return report, "browser pass"
            clean = True
            return report, None
        finally:
            crawling.close()  # not started if opening failed: no "never awaited" warning
            self._restore_switch_interval()
            if clean and self.pool is not None and self._active:
                self.pool.release()
                self.say(f"browser pass: {self.submitted} pages")
            else:
                self.close(clean=False)

    def watch(self, progress: Progress | None) -> Progress:
        """The crawl's progress callback, which also tells the pass a page was stored."""

        def stored(update: CrawlProgress) -> None:
            self._schedule()
            if progress is not None:
                progress(update)

        return stored

    def close(self, *, clean: bool = True) -> None:
        """Stop the browsers and wait until they are gone: after the pass (clean), or at
        once (the pages in their hands are checked again on resume)."""
        self._restore_switch_interval()
        if self.pool is None or self._closed:
            return
        self._closed = True
        self.pool.close(clean=clean and self._active)

    def __enter__(self) -> BrowserStage:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.close(clean=kind is None)

    def outcome(self) -> BrowserOutcome:
        """What the finished pass tells the run."""
        if self.skipped is not None:
            return None, [self.skipped], 0, {}
        notes = self.choice.notes()
        if self.failures:
            notes.append(
                f"browser: {len(self.failures)} page(s) could not be checked: "
                + "; ".join(self.failures[:5])
            )
        checked = self.checked + sum(1 for why in self.earlier.values() if why is None)
        reported = self.pool.tally.axe_version if self.pool is not None else None
        return reported or self.seen.axe_version, notes, checked, self.seen.rule_help

    # -- on the event loop ---------------------------------------------------------------
    @property
    def _active(self) -> bool:
        return self.skipped is None and self.error is None

    def _open(self, loop: asyncio.AbstractEventLoop, seeds: Sequence[str]) -> None:
        self._loop = loop
        self._done = loop.create_future()
        if not self._active:
            self._done.set_result(None)
            return
        pages = {p.url: p for p in self.store.pages(self.run_id)}  # a resume's earlier pages
        self.earlier = checked_before(self.store, self.run_id, pages)
        self.failures = [f"{url}: {why}" for url, why in self.earlier.items() if why is not None]
        if self.earlier:
            self.say(f"browser pass: {len(self.earlier)} pages done before; not checked again")
        try:
            axe = load_axe(self.settings)
        except BrowserUnavailable as exc:
            self._unavailable(str(exc))
            return
        self._declared = axe.version
        self.pool = BrowserPool(
            self.settings,
            axe,
            functools.partial(start_session, self.settings, axe),
            self._from_browser,
            worker_count(self.settings, None),
            hosts=[host for host in map(host_of, seeds) if host],
            on_unavailable=self._unavailable_from_browser,
        )
        self.pool.warm()  # the first browser starts while the crawl fetches the first page
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(SWITCH_INTERVAL, self._switch_interval))
        self._schedule()

    def _restore_switch_interval(self) -> None:
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None

    def _schedule(self) -> None:
        """Feed the browsers once the crawl's current step (storing a page) is over."""
        if self._loop is not None and not self._scheduled and self._active:
            self._scheduled = True
            self._loop.call_soon(self._pump)

    def _pump(self) -> None:
        """Hand the browsers stored pages until they hold as many as they may."""
        self._scheduled = False
        if not self._active or self.pool is None:
            return
        try:
            while len(self.in_flight) < self.pool.capacity:
                page = self._next_page()
                if page is None:
                    break
                self._offer(page)
        except Exception as exc:  # the store could not be read: the pass ends with it
            self._fail(exc)
            return
        if self.crawl_done and not self.in_flight:
            self._resolve()

    def _next_page(self) -> Page | None:
        if not self._ahead:
            rows = self.store.pages_after(self.run_id, self._cursor, READ_AHEAD)
            if not rows:
                return None
            self._cursor = rows[-1][0]
            self._ahead.extend(page for _, page in rows)
        return self._ahead.popleft()

    def _offer(self, page: Page) -> None:
        assert self.pool is not None
        if not self.choice.choose(page) or page.url in self.earlier:
            return
        raw = list(self.store.interactions(self.run_id, page.url))
        self.in_flight[page.url] = (page, raw)
        self.submitted += 1
        self.pool.submit(BrowserTarget(page.url, tuple((i.id, i.selector) for i in raw)))

    def _handle(self, result: BrowserResult) -> None:
        """Store one result (on the event loop), then feed the browser that freed up."""
        entry = self.in_flight.pop(result.url, None)
        if entry is None or not self._active:
            return
        page, raw = entry
        try:
            self._keep_learnt(result)
            if result.checked:
                store_result(self.store, self.run_id, page, raw, result, self.rules)
                self.checked += 1
            else:
                self.failures.append(f"{result.url}: {result.error}")
                store_failure(self.store, self.run_id, page, result)
        except Exception as exc:  # the store failed: the pass ends, the error is raised
            self._fail(exc)
            return
        self._pump()

    def _keep_learnt(self, result: BrowserResult) -> None:
        """Store axe-core's version with the first page checked and each rule's help when
        the rule first appears, before the page is marked checked: the pass's outcome
        reaches the run only when it ends, and a resume after a kill -9 reads these back."""
        learnt: dict[str, Any] = {}
        if result.checked and self.seen.axe_version is None:
            reported = self.pool.tally.axe_version if self.pool is not None else None
            self.seen.axe_version = reported or self._declared
            if self.seen.axe_version:
                learnt["axe_core"] = self.seen.axe_version
        help_text = self.seen.rule_help
        new = {rule: text for rule, text in result.rule_help if help_text.get(rule) != text}
        if new:
            help_text.update(new)
            learnt["axe_rules"] = new
        if learnt:
            self.store.merge_tool(self.run_id, learnt)

    def _unavailable(self, reason: str) -> None:
        """No browser could start: the run goes on with static checks only."""
        if not self._active:
            return
        self.say(f"WARNING: the browser pass did not run: {reason}")
        self.skipped = f"browser pass did not run: {reason}; static checks only"
        self.in_flight.clear()
        self._resolve()

    def _fail(self, exc: Exception) -> None:
        self.error = exc
        self.in_flight.clear()
        if self.pool is not None:
            self._closed = True
            self.pool.close(clean=False)
        self._resolve()  # _drained() raises the error

    def _resolve(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    async def _drained(self) -> None:
        assert self._done is not None
        await self._done
        if self.error is not None:
            raise self.error

    # -- from the browser threads ---------------------------------------------------------
    def _from_browser(self, result: BrowserResult) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._handle, result)

    def _unavailable_from_browser(self, reason: str) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._unavailable, reason)


__all__ = ["BrowserOutcome", "BrowserStage"]
