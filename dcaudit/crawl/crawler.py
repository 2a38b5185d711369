"""The crawl: seeds and sitemaps in, one stored page per fetched URL out.

Each fetched URL becomes a :class:`Page`; an HTML body is decoded and parsed once, its
links are read from that tree, ``analyse`` runs on it, and everything found for the page
is written in one store transaction. A crawl killed at any moment therefore never loses
a finished page and never fetches one twice: a later ``crawl()`` with the same run id
carries on from the stored frontier.

Which URLs are followed is :mod:`~dcaudit.crawl.admission`'s job; whose turn it is,
:mod:`~dcaudit.crawl.schedule`'s; politeness and HTTP, the fetcher's. ``max_pages`` is
applied when a URL's turn comes; what is left when it runs out is recorded as a
max_pages skip. Everything runs on the event loop: handing pages to threads was measured
and lost (thread hand-offs cost more than the parse and the write they would move).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import httpx

from dcaudit.config import Settings
from dcaudit.crawl.admission import Admission, Found
from dcaudit.crawl.clock import Clock, SystemClock
from dcaudit.crawl.content import ContentKind, load_content_rules
from dcaudit.crawl.fetcher import Fetcher
from dcaudit.crawl.frontier import Scope, host_of, normalise_url, origin_of, seed_problem
from dcaudit.crawl.politeness import ROBOTS_MAX_BYTES, HostSlots, Robots, RobotsRules
from dcaudit.crawl.results import FetchResult
from dcaudit.crawl.schedule import Schedule
from dcaudit.crawl.sitemaps import SitemapSource, read_sitemaps
from dcaudit.crawl.storage import CrawlStore
from dcaudit.errors import ConfigError, SeedError, StoreError
from dcaudit.models import (
    Finding,
    FrontierEntry,
    Interaction,
    Outcome,
    Page,
    RunStats,
    Skip,
    SkipReason,
    Source,
)
from dcaudit.parse.document import ParsedPage, decode_body, parse_html
from dcaudit.parse.nesting import PARSE_RULE

log = logging.getLogger(__name__)

ANALYSE_RULE = "dcaudit/analyse"


@dataclass(frozen=True)
class PageAnalysis:
    page: Page  # may be updated (lang, title, template, reading_grade...)
    interactions: Sequence[Interaction] = ()
    findings: Sequence[Finding] = ()


# ParsedPage for HTML pages, None otherwise (documents, failed fetches, redirects not followed)
Analyse = Callable[[Page, ParsedPage | None], PageAnalysis]


@dataclass(frozen=True)
class CrawlProgress:
    done: int  # pages stored for the run, earlier sessions included
    queued: int
    errors: int
    skipped: int
    rate: float  # pages per second in this session


@dataclass(frozen=True)
class CrawlReport:
    stats: RunStats
    notes: tuple[str, ...]
    interrupted: bool


async def crawl(
    settings: Settings,
    store: CrawlStore,
    run_id: str,
    seeds: Sequence[str],
    analyse: Analyse | None = None,
    *,
    progress: Callable[[CrawlProgress], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Clock | None = None,
) -> CrawlReport:
    """Crawl from ``seeds`` into ``store`` under ``run_id`` (the run row must exist).

    Resumes when the store already holds a frontier for ``run_id``: queued URLs are
    fetched, done ones never again, and seeds are not added again. Cancellation (Ctrl-C)
    stops cleanly after in-flight writes and returns ``interrupted=True``.

    Raises :class:`SeedError` for an invalid seed (before any request) and when no seed
    could be reached at all.
    """
    job = _Crawl(settings, store, run_id, analyse, progress, transport, clock or SystemClock())
    return await job.run(seeds)


class _Crawl:
    def __init__(
        self,
        settings: Settings,
        store: CrawlStore,
        run_id: str,
        analyse: Analyse | None,
        progress: Callable[[CrawlProgress], None] | None,
        transport: httpx.AsyncBaseTransport | None,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = store
        self.run_id = run_id
        self.analyse = analyse
        self.progress = progress
        self.clock = clock
        self.tracking = tuple(settings.tracking_params)
        self.content = load_content_rules()
        self.slots = HostSlots(settings.concurrency, settings.delay, clock)
        self.fetcher = Fetcher(
            settings, self.slots, clock, transport=transport, content_rules=self.content
        )
        self.robots = Robots(
            self._fetch_robots,
            settings.user_agent,
            enabled=settings.respect_robots,
            slots=self.slots,
        )
        self.admission = Admission(settings, Scope(()), self.robots, self.content)
        self.schedule = Schedule(budget=None)
        self.group: asyncio.TaskGroup | None = None
        self.notes: list[str] = []
        self.done = 0
        self.errors = 0
        self.skipped = 0
        self.session_pages = 0
        self.fetched_ok = 0  # pages fetched without an error in this session
        # seed -> (why it failed or None, whether it failed to connect)
        self.seeds_tried: dict[str, tuple[str | None, bool]] = {}
        self.analysis_failures = 0
        self.parser_limited = 0  # pages whose markup met an HTML parser limit
        self.progress_failed = False
        self.started = clock.monotonic()

    # -- the run ---------------------------------------------------------------------------
    async def run(self, seeds: Sequence[str]) -> CrawlReport:
        seed_urls = _checked_seeds(seeds, self.tracking)
        resume = self.store.has_frontier(self.run_id)
        if not seed_urls and not resume:
            raise SeedError("no seed URL given: name at least one http(s) URL to crawl")
        stored_seeds = _checked_seeds(self.store.get_run(self.run_id).seeds, self.tracking)
        all_seeds = [*seed_urls, *stored_seeds]
        self.admission = Admission(
            self.settings,
            Scope.from_settings(self.settings, all_seeds),
            self.robots,
            self.content,
            seeds=all_seeds,
        )
        interrupted = False
        try:
            await self._start(seed_urls, resume)
            await self._work()
        except asyncio.CancelledError:
            interrupted = True
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            log.info("crawl interrupted; the frontier is kept for a resume")
        finally:
            await self.fetcher.aclose()
        if not interrupted:
            self._close_leftovers()
            self._check_seeds_reached()
        return CrawlReport(
            stats=self._stats(), notes=tuple(self._all_notes()), interrupted=interrupted
        )

    async def _start(self, seed_urls: list[str], resume: bool) -> None:
        if self.settings.max_pages:
            done = self.store.page_count(self.run_id)
            self.schedule.budget = max(0, self.settings.max_pages - done)
        if resume:
            self._restore()
        origins = list(dict.fromkeys(origin_of(url) for url in seed_urls))
        rules = list(await asyncio.gather(*(self.robots.rules(o) for o in origins)))
        if self.robots.enabled and rules and all(r.unreachable for r in rules):
            by_origin = {r.origin: r for r in rules}
            raise SeedError(
                "; ".join(
                    f"cannot reach {url}: {by_origin[origin_of(url)].cause}" for url in seed_urls
                )
            )
        if resume:
            return
        entries: list[FrontierEntry] = []
        skips: list[Skip] = []
        for url in seed_urls:
            verdict = await self.admission.seed(url)
            if verdict is True:
                entries.append(FrontierEntry(url, 0, None))
            elif isinstance(verdict, tuple):
                skips.append(Skip(url, verdict[0], None, verdict[1]))
        if not entries:
            self.notes.append("robots.txt disallows every seed: nothing was crawled")
        elif self.settings.use_sitemaps:
            found, found_skips = await self._sitemap_entries(origins, rules)
            entries.extend(found)
            skips.extend(found_skips)
        # skips first: the frontier's first write is what marks the crawl as started
        self.store.record_skips(self.run_id, skips)
        self.store.enqueue(self.run_id, entries)
        self.skipped += len(skips)
        for entry in entries:
            self._push(entry)

    def _restore(self) -> None:
        """Pick up an earlier session of this run from the store."""
        trap_cut = [s.url for s in self.store.skips(self.run_id) if s.reason is SkipReason.TRAP]
        self.admission.restore(
            self.store.known_urls(self.run_id), self.store.frontier_urls(self.run_id), trap_cut
        )
        for entry in self.store.queued(self.run_id):
            self._push(entry)
        self.done, self.errors = self.store.page_totals(self.run_id)
        self.skipped = sum(self.store.skip_counts(self.run_id).values())

    async def _work(self) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                self.group = group
                for host in self.schedule.hosts:
                    self._spawn_workers(host)
        except BaseExceptionGroup as group_error:
            # a worker only fails for a store it cannot write or a TLS setup it cannot load
            raise group_error.exceptions[0] from None
        finally:
            self.group = None

    # -- workers -----------------------------------------------------------------------------
    def _push(self, entry: FrontierEntry) -> None:
        if self.schedule.push(entry) and self.group is not None:
            self._spawn_workers(host_of(entry.url))

    def _spawn_workers(self, host: str) -> None:
        assert self.group is not None
        for _ in range(max(1, self.settings.concurrency)):
            self.group.create_task(self._worker(host))

    async def _worker(self, host: str) -> None:
        while True:
            entry = await self.schedule.take(host)
            if entry is None:
                return
            made_page = True
            try:
                made_page = await self._process(entry)
            except (StoreError, sqlite3.Error) as exc:
                raise StoreError(f"cannot write {entry.url} to the store: {exc}") from exc
            except ConfigError:
                raise  # a setting that fails every page alike (TLS certificates) ends the run
            except Exception as exc:  # a bug on one page must not stop the crawl
                log.exception("crawler error on %s", entry.url)
                self._save_failure(entry, exc)
            finally:
                self.schedule.release(made_page=made_page)

    # -- one URL -----------------------------------------------------------------------------
    async def _process(self, entry: FrontierEntry) -> bool:
        """Fetch, parse, analyse and store one URL; False when it ended without a page."""
        found = Found()
        result = await self.fetcher.fetch_page(
            entry.url, partial(self.admission.redirect, entry=entry, found=found)
        )
        if entry.url in self.admission.seeds:
            cause = result.error or "unreachable" if result.connect_failed else result.error
            self.seeds_tried[entry.url] = (cause, result.connect_failed)
        if result.kind is ContentKind.OTHER and result.error is None:
            self._close_other(entry, result)
            return False
        parsed: ParsedPage | None = None
        html: str | None = None
        if result.body is not None and _is_html_page(result):
            html, _encoding = decode_body(result.body, result.content_type)
            parsed = parse_html(result.final_url, html)
            self.parser_limited += bool(parsed.notes)
            await self.admission.links_on(parsed, entry, found)
        page = _page_from(entry, result, parsed)
        analysis = self._analyse(page, parsed)
        self.store.save_page(
            self.run_id,
            analysis.page,
            body=html,
            new_entries=found.entries,
            skips=found.skips,
            links=found.links,
            interactions=analysis.interactions,
            findings=analysis.findings,
            done_entries=found.done,
        )
        for new in found.entries:
            self._push(new)
        self._count(page, len(found.skips))
        return True

    def _close_other(self, entry: FrontierEntry, result: FetchResult) -> None:
        """A type we do not crawl (image, archive...): no page, a content_type skip."""
        detail = result.media_type or "no content type"
        skips = [Skip(entry.url, SkipReason.CONTENT_TYPE, entry.parent, detail)]
        if result.final_url != entry.url:
            skips.append(Skip(result.final_url, SkipReason.CONTENT_TYPE, entry.url, detail))
        self.store.close_entries(self.run_id, skips)
        self.skipped += len(skips)
        self._report_progress()

    def _save_failure(self, entry: FrontierEntry, exc: Exception) -> None:
        page = Page(
            url=entry.url,
            final_url=entry.url,
            status=None,
            content_type=None,
            bytes=None,
            depth=entry.depth,
            error=f"crawler error ({type(exc).__name__})",
        )
        self.store.save_page(self.run_id, page)
        self._count(page, 0)

    def _analyse(self, page: Page, parsed: ParsedPage | None) -> PageAnalysis:
        if self.analyse is None:
            return PageAnalysis(page)
        try:
            analysis = self.analyse(page, parsed)
        except Exception as exc:  # the page is kept; the failure becomes an error finding
            log.exception("analysis failed on %s", page.url)
            self.analysis_failures += 1
            return PageAnalysis(page, findings=(_analysis_error(page.url, exc),))
        if analysis.page.url != page.url:  # the frontier is keyed by the fetched URL
            analysis = replace(analysis, page=replace(analysis.page, url=page.url))
        return analysis

    def _count(self, page: Page, new_skips: int) -> None:
        self.done += 1
        self.session_pages += 1
        self.errors += page.error is not None
        self.fetched_ok += page.error is None
        self.skipped += new_skips
        self._report_progress()

    def _report_progress(self) -> None:
        if self.progress is None:
            return
        elapsed = max(self.clock.monotonic() - self.started, 1e-9)
        update = CrawlProgress(
            done=self.done,
            queued=self.schedule.queued,
            errors=self.errors,
            skipped=self.skipped,
            rate=round(self.session_pages / elapsed, 2),
        )
        try:
            self.progress(update)
        except Exception:  # a broken progress display must not stop a long crawl
            if not self.progress_failed:
                log.exception("progress callback failed; further failures are not logged")
            self.progress_failed = True

    # -- robots.txt and sitemaps -----------------------------------------------------------------
    async def _fetch_robots(self, url: str) -> FetchResult:
        # RFC 9309 2.5: parse at least the first 500 KiB of a longer file
        return await self.fetcher.fetch_resource(url, limit=ROBOTS_MAX_BYTES, keep_prefix=True)

    async def _sitemap_entries(
        self, origins: Sequence[str], rules: Sequence[RobotsRules]
    ) -> tuple[list[FrontierEntry], list[Skip]]:
        """In-scope URLs listed in the seeds' sitemaps, at depth 1."""
        user_agent = self.settings.user_agent
        sources = [SitemapSource(url, True) for r in rules for url in r.sitemaps]
        for origin, origin_rules in zip(origins, rules, strict=True):
            guess = origin + "/sitemap.xml"
            if origin_rules.allows(guess, user_agent):
                sources.append(SitemapSource(guess, False))
        entries: list[FrontierEntry] = []
        skips: list[Skip] = []
        limit = self.settings.max_pages or None

        async def on_urls(locations: Sequence[str], sitemap: str) -> bool:
            for location in locations:
                item = await self.admission.sitemap_location(location, sitemap)
                if isinstance(item, Skip):
                    skips.append(item)
                elif item is not None:
                    entries.append(item)
                    if limit is not None and len(entries) >= limit:
                        self.notes.append(
                            f"sitemaps: stopped reading at {limit} new URLs (the page limit)"
                        )
                        return False
            return True

        self.notes.extend(await read_sitemaps(self.fetcher, sources, on_urls, self.tracking))
        elsewhere = self.admission.sitemap_elsewhere
        if elsewhere:
            self.notes.append(f"sitemaps: {_count(elsewhere, 'URL')} on other hosts ignored")
        return entries, skips

    # -- the end ---------------------------------------------------------------------------------
    def _close_leftovers(self) -> None:
        leftovers = self.schedule.drain()
        if not leftovers:
            return
        skips = [Skip(e.url, SkipReason.MAX_PAGES, e.parent) for e in leftovers]
        self.store.close_entries(self.run_id, skips)
        self.skipped += len(skips)
        self.notes.append(
            f"page limit reached ({self.settings.max_pages} pages): "
            f"{_count(len(leftovers), 'queued URL')} not crawled"
        )

    def _check_seeds_reached(self) -> None:
        """Every seed tried failed (could not connect, an HTTP error, a redirect loop, a
        time-out, too large) and no page was fetched: nothing was audited, the run failed."""
        tried = self.seeds_tried
        if not tried or self.fetched_ok or any(cause is None for cause, _ in tried.values()):
            return
        message = "; ".join(
            f"cannot reach {url}: {cause}" if connect else f"{url} failed: {cause}"
            for url, (cause, connect) in tried.items()
        )
        if not all(connect for _, connect in tried.values()):
            message = f"nothing could be audited: {message}"
        raise SeedError(message)

    def _all_notes(self) -> list[str]:
        notes = [*self.admission.notes, *self.notes]
        for rules in self.robots.all_rules():
            if rules.disallow_all and rules.problem:
                notes.append(
                    f"robots.txt: {rules.origin}: {rules.problem}; nothing fetched there "
                    "(RFC 9309: an unreachable robots.txt means complete disallow)"
                )
            if rules.crawl_delay is not None and rules.crawl_delay > self.settings.delay:
                notes.append(
                    f"robots.txt: {rules.origin} asks for Crawl-delay {rules.crawl_delay:g} s; "
                    "honoured"
                )
        notes.extend(self.admission.trap.notes())
        notes.extend(self.admission.private_notes())
        if self.parser_limited:
            notes.append(
                f"HTML parser: the markup of {_count(self.parser_limited, 'page')} met a "
                "limit (nesting hundreds of levels deep, or a text of over 10 MB) and was "
                f"read without losing content; see findings with rule {PARSE_RULE}"
            )
        if self.analysis_failures:
            notes.append(
                f"page analysis failed on {self.analysis_failures} page(s); "
                f"see findings with rule {ANALYSE_RULE}"
            )
        return notes

    def _stats(self) -> RunStats:
        pages, errors = self.store.page_totals(self.run_id)
        counts = self.store.skip_counts(self.run_id)
        return RunStats(
            pages_fetched=pages,
            skipped_robots=counts.get(SkipReason.ROBOTS.value, 0),
            out_of_scope=counts.get(SkipReason.OUT_OF_SCOPE.value, 0),
            errors=errors,
            skipped=counts,
        )


def _checked_seeds(seeds: Sequence[str], tracking: tuple[str, ...]) -> list[str]:
    """Normalised seeds, in order; SeedError naming the first invalid one."""
    urls: list[str] = []
    for seed in seeds:
        problem = seed_problem(seed)
        normal = normalise_url(seed, tracking) if problem is None else None
        if normal is None:
            raise SeedError(f"invalid seed URL {seed!r}: {problem or 'not a valid URL'}")
        urls.append(normal)
    return urls


def _is_html_page(result: FetchResult) -> bool:
    """A 2xx HTML answer read in full (not an error, not a redirect left unfollowed)."""
    return (
        result.kind is ContentKind.HTML
        and result.error is None
        and result.redirect_stop is None
        and result.status is not None
        and 200 <= result.status < 300
    )


def _page_from(entry: FrontierEntry, result: FetchResult, parsed: ParsedPage | None) -> Page:
    if result.kind is ContentKind.DOCUMENT:
        size = result.content_length
    elif result.bytes_read or result.body is not None:
        size = result.bytes_read
    else:
        size = None
    return Page(
        url=entry.url,
        final_url=result.final_url,
        status=result.status,
        content_type=result.media_type,
        bytes=size,
        depth=entry.depth,
        error=result.error,
        redirects=result.redirects,
        is_document=result.kind is ContentKind.DOCUMENT and result.error is None,
        elapsed_ms=result.elapsed_ms,
        headers=result.security_headers,
        lang=parsed.lang if parsed is not None else None,
        title=parsed.title if parsed is not None else None,
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _analysis_error(url: str, exc: Exception) -> Finding:
    key = hashlib.sha256(f"{ANALYSE_RULE}|{url}".encode()).hexdigest()[:16]
    return Finding(
        id=key,
        fingerprint=key,
        rule=ANALYSE_RULE,
        source=Source.STATIC,
        outcome=Outcome.ERROR,
        impact=None,
        page=url,
        message=f"page analysis failed: {type(exc).__name__}: {exc}"[:500],
    )
