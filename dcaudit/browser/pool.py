"""A pool of browsers, one thread each, fed pages through a bounded queue.

Two ways to feed it: :meth:`BrowserPool.run` takes every target of an iterable (waiting
while the queue is full), with every browser started first; :meth:`BrowserPool.submit`
queues one target at a time while something else goes on (the crawl), starting a browser
only when more targets wait than browsers run, and :meth:`BrowserPool.close` ends it.

Every target ends as checked or failed with a reason. A browser that crashes or hangs is
killed (whole process tree), restarted and the page retried once. A watchdog kills a
browser that stops answering altogether, so a blocked WebDriver call returns. On any
exit (including KeyboardInterrupt) every browser is killed before the pass returns.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, replace

from dcaudit.browser.axe_script import AxeScript
from dcaudit.browser.page import BrowserBroken, PageFailed, check_page
from dcaudit.browser.records import BrowserPassReport, BrowserResult, BrowserTarget
from dcaudit.browser.session import BrowserSession, describe, host_of
from dcaudit.config import Settings
from dcaudit.errors import BrowserUnavailable

log = logging.getLogger(__name__)

Launcher = Callable[[frozenset[str]], BrowserSession]
_STOP = object()
WATCHDOG_MARGIN = 15.0  # seconds beyond load + axe time limits before a browser is killed


def worker_count(settings: Settings, targets: object) -> int:
    wanted = settings.browser_workers or min(2, os.cpu_count() or 1)
    if isinstance(targets, Sized):  # no point starting more browsers than pages
        wanted = min(wanted, len(targets))
    return max(1, wanted)


class _Stopped(Exception):
    """The pass is shutting down; abandon the page without a result."""


@dataclass
class _Tally:
    checked: int = 0
    failed: int = 0
    restarts: int = 0
    axe_version: str | None = None


class _Hosts:
    """Hosts the browsers may reach directly; grows as targets arrive."""

    def __init__(self, initial: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._hosts = frozenset(h.lower() for h in initial)

    def add(self, url: str) -> None:
        host = host_of(url)
        if host is not None and host not in self._hosts:
            with self._lock:
                self._hosts = self._hosts | {host}

    def snapshot(self) -> frozenset[str]:
        return self._hosts


class BrowserPool:
    def __init__(
        self,
        settings: Settings,
        axe: AxeScript,
        launcher: Launcher,
        on_result: Callable[[BrowserResult], None],
        workers: int,
        *,
        hosts: Iterable[str] = (),
        on_unavailable: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.axe = axe
        self.launcher = launcher
        self.on_result = on_result
        self.on_unavailable = on_unavailable  # submit(): no browser could start, and why
        self.workers = workers
        self.queue: queue.Queue[object] = queue.Queue(maxsize=workers * 2)
        self.stopping = threading.Event()
        self.tally = _Tally()
        self.callback_error: BaseException | None = None
        self.unavailable: str | None = None
        self._result_lock = threading.Lock()
        self._sessions_lock = threading.Lock()
        self._sessions: set[BrowserSession] = set()
        self._hosts = _Hosts((*settings.extra_hosts, *hosts))
        self._threads: list[_Worker] = []
        self._threads_lock = threading.Lock()
        self._waiting = 0  # targets submitted and not yet delivered
        self._lazy = True  # browsers start as targets wait (submit), not all first (run)
        self._released = False  # every worker has been told to stop once the queue is empty

    @property
    def capacity(self) -> int:
        """Targets that may be waiting or in a browser at once without submit() blocking."""
        return self.queue.maxsize

    # -- main thread -------------------------------------------------------------------

    def run(self, targets: Iterable[BrowserTarget]) -> BrowserPassReport:
        iterator = iter(targets)
        first = next(iterator, None)
        if first is None:
            return BrowserPassReport(None, 0, 0, 0, 0)
        self._hosts.add(first.url)
        self._lazy = False
        clean = False
        try:
            self._start_workers()
            self.submit(first)
            for target in iterator:
                if self.stopping.is_set():
                    break
                self.submit(target)
            clean = True
        finally:
            report = self.close(clean=clean)
        if self.callback_error is not None:
            raise self.callback_error
        return report

    def submit(self, target: BrowserTarget) -> None:
        """Queue one target (waiting while the queue is full: keep at most ``capacity``
        unanswered to never wait). Fed this way, a browser starts when more targets wait
        than browsers run, up to ``workers``; if none can start, ``on_unavailable`` is
        called once with the reasons and the targets are dropped."""
        if self.stopping.is_set():
            return
        self._hosts.add(target.url)
        with self._threads_lock:
            self._waiting += 1
            started = len(self._threads)
            if self._lazy and started < self.workers and self._waiting > started:
                self._spawn()
        self.queue.put(target)

    def warm(self) -> None:
        """Start the first browser now, before any target (submit() starts the others)."""
        with self._threads_lock:
            if self._lazy and not self._threads:
                self._spawn()

    def release(self) -> None:
        """No more targets: each browser stops, and is killed, once the queue is empty,
        while the caller goes on; close() waits for them."""
        with self._threads_lock:
            if self._released:
                return
            self._released = True
            threads = list(self._threads)
        for worker in threads:
            if worker.is_alive():
                self.queue.put(_STOP)

    def close(self, *, clean: bool) -> BrowserPassReport:
        """Stop every browser: after the queued targets (clean) or at once (the rest are
        dropped without a result)."""
        self._shutdown(clean)
        return BrowserPassReport(
            axe_version=self.tally.axe_version,
            checked=self.tally.checked,
            failed=self.tally.failed,
            restarts=self.tally.restarts,
            workers=sum(1 for w in self._threads if w.start_error is None),
        )

    def _start_workers(self) -> None:
        with self._threads_lock:
            for _ in range(self.workers):
                self._spawn()
        for worker in self._threads:
            worker.ready.wait()
        if not [w for w in self._threads if w.start_error is None]:
            raise BrowserUnavailable(self._no_browser())

    def _spawn(self) -> None:
        """Start one more worker (with ``_threads_lock`` held)."""
        if not self.stopping.is_set():
            worker = _Worker(self, len(self._threads))
            self._threads.append(worker)
            worker.start()

    def _no_browser(self) -> str:
        reasons = sorted({w.start_error or "" for w in self._threads})
        return "no browser could start: " + "; ".join(reasons)

    def _shutdown(self, clean: bool) -> None:
        if not clean or self.stopping.is_set():
            self.stopping.set()
            self.kill_all()
            self._drain()
            self._released = False  # the stops went with the queue
        self.release()
        with self._threads_lock:
            threads = list(self._threads)
        for worker in threads:
            worker.join(timeout=None if clean else 30)
        self.kill_all()  # browsers of workers that could not be joined in time

    def _drain(self) -> None:
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return

    # -- shared with workers -----------------------------------------------------------

    def launch(self) -> BrowserSession:
        if self.stopping.is_set():
            raise _Stopped
        session = self.launcher(self._hosts.snapshot())
        with self._sessions_lock:
            if not self.stopping.is_set():
                self._sessions.add(session)
                return session
        session.kill()
        raise _Stopped

    def discard(self, session: BrowserSession) -> None:
        session.kill()
        with self._sessions_lock:
            self._sessions.discard(session)

    def kill_all(self) -> None:
        with self._sessions_lock:
            sessions = list(self._sessions)
            self._sessions.clear()
        for session in sessions:
            session.kill()

    def start_failed(self) -> None:
        """A worker's browser could not start. Fed by submit(), another worker tries while
        fewer than ``workers`` have; when none is left, the pass is unavailable."""
        with self._threads_lock:
            if not self._lazy or self.stopping.is_set():
                return  # run() waits for every start and says so itself
            if any(w.start_error is None for w in self._threads):
                return  # another browser runs or is starting: carry on with it
            if len(self._threads) < self.workers:
                self._spawn()
                return
            self.unavailable = self._no_browser()
            self.stopping.set()
        self._drain()
        if self.on_unavailable is not None:
            self.on_unavailable(self.unavailable)

    def deliver(self, result: BrowserResult, axe_version: str | None) -> None:
        # Serialised so the caller may write to SQLite from the callback.
        with self._result_lock:
            with self._threads_lock:
                self._waiting -= 1
            if self.stopping.is_set():  # interrupted or the callback failed: report no more
                return
            if result.checked:
                self.tally.checked += 1
                if self.tally.axe_version is None:
                    self.tally.axe_version = axe_version
            else:
                self.tally.failed += 1
            try:
                self.on_result(result)
            except BaseException as exc:  # the caller's error ends the pass, and is re-raised
                self.callback_error = exc
                self.stopping.set()

    def count_restart(self) -> None:
        with self._result_lock:
            self.tally.restarts += 1


class _Worker(threading.Thread):
    def __init__(self, pool: BrowserPool, index: int) -> None:
        super().__init__(name=f"dcaudit-browser-{index}", daemon=True)
        self.pool = pool
        self.ready = threading.Event()
        self.start_error: str | None = None
        self.session: BrowserSession | None = None
        self._restart_pending = False

    def run(self) -> None:
        try:
            self.session = self.pool.launch()
        except (BrowserUnavailable, _Stopped) as exc:
            self.start_error = str(exc) or "stopped"
        except Exception as exc:  # an unexpected launcher failure is a start failure too
            self.start_error = describe(exc)
        finally:
            self.ready.set()
        if self.start_error is not None:
            self.pool.start_failed()
            return
        try:
            self._serve()
        finally:
            if self.session is not None:
                self.pool.discard(self.session)

    def _serve(self) -> None:
        while True:
            item = self.pool.queue.get()
            if item is _STOP:
                return
            if self.pool.stopping.is_set() or not isinstance(item, BrowserTarget):
                continue
            try:
                result, version = self._process(item)
            except _Stopped:
                continue
            self.pool.deliver(result, version)

    def _process(self, target: BrowserTarget) -> tuple[BrowserResult, str | None]:
        started = time.perf_counter()
        reason = ""
        for attempt in (1, 2):
            retried = attempt == 2
            try:
                session = self._session_for(target)
            except _Stopped:
                raise
            except Exception as exc:  # BrowserUnavailable, or a launcher fault
                reason = f"browser could not restart: {describe(exc)}"
                continue
            try:
                result, version = self._guarded_check(session, target)
            except PageFailed as exc:
                return self._failed(target, str(exc), started, retried), None
            except BrowserBroken as exc:
                reason = str(exc)
            except Exception as exc:  # anything unforeseen: treat the browser as broken
                reason = f"unexpected error: {describe(exc)}"
            else:
                elapsed = (time.perf_counter() - started) * 1000
                return replace(result, elapsed_ms=elapsed, retried=retried), version
            if self.pool.stopping.is_set():
                raise _Stopped  # the failure was our own shutdown killing the browser
            log.warning("browser failed on %s (attempt %d): %s", target.url, attempt, reason)
            self._replace_session()
        return self._failed(target, f"{reason} (also after a browser restart)", started, True), None

    def _failed(
        self, target: BrowserTarget, reason: str, started: float, retried: bool
    ) -> BrowserResult:
        elapsed = (time.perf_counter() - started) * 1000
        return BrowserResult.failed(target.url, reason, elapsed_ms=elapsed, retried=retried)

    def _session_for(self, target: BrowserTarget) -> BrowserSession:
        session = self.session
        if session is not None and (session.dead or not session.covers(target.url)):
            # dead: killed by the watchdog; not covering: a new audited host, and the
            # proxy bypass list is fixed when a browser starts, so start afresh
            self.pool.discard(session)
            session = self.session = None
        if session is None:
            session = self.session = self.pool.launch()
            if self._restart_pending:
                self._restart_pending = False
                self.pool.count_restart()
        return session

    def _replace_session(self) -> None:
        if self.session is not None:
            self.pool.discard(self.session)
            self.session = None
        if self.pool.stopping.is_set():
            raise _Stopped
        self._restart_pending = True  # counted when the next browser is up

    def _guarded_check(
        self, session: BrowserSession, target: BrowserTarget
    ) -> tuple[BrowserResult, str | None]:
        limit = self.pool.settings.browser_page_timeout * 2 + WATCHDOG_MARGIN
        fired = threading.Event()

        def expire() -> None:
            fired.set()
            session.kill()

        watchdog = threading.Timer(limit, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            checked = check_page(session, target, self.pool.settings, self.pool.axe)
        except Exception as exc:
            if fired.is_set():
                raise BrowserBroken(f"browser stopped responding for {limit:g} s") from exc
            raise
        finally:
            watchdog.cancel()
        if fired.is_set():
            raise BrowserBroken(f"browser stopped responding for {limit:g} s")
        return checked
