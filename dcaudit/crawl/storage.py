"""What the crawl reads from and writes to its store, and nothing more.

The crawl keeps its frontier, its skips and its pages in a store it is handed; this is the
part of :class:`dcaudit.store.Store` it uses, so the crawl does not depend on how (or where)
they are kept. A test can hand the crawl anything with these methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from dcaudit.models import Finding, FrontierEntry, Interaction, Link, Page, Run, Skip


class CrawlStore(Protocol):
    # the run and where its crawl stands
    def get_run(self, run_id: str) -> Run: ...
    def has_frontier(self, run_id: str) -> bool: ...
    def page_count(self, run_id: str) -> int: ...
    def page_totals(self, run_id: str) -> tuple[int, int]: ...  # (pages, of which errors)
    def skip_counts(self, run_id: str) -> dict[str, int]: ...  # reason -> skipped URLs

    # what a resume restores
    def known_urls(self, run_id: str) -> set[str]: ...
    def frontier_urls(self, run_id: str) -> Iterator[str]: ...
    def queued(self, run_id: str) -> list[FrontierEntry]: ...
    def skips(self, run_id: str) -> list[Skip]: ...

    # what the crawl writes
    def enqueue(self, run_id: str, entries: Iterable[FrontierEntry]) -> None: ...
    def record_skips(self, run_id: str, skips: Iterable[Skip]) -> None: ...
    def close_entries(self, run_id: str, skips: Sequence[Skip]) -> None: ...
    def save_page(
        self,
        run_id: str,
        page: Page,
        *,
        body: str | None = None,
        new_entries: Sequence[FrontierEntry] = (),
        skips: Sequence[Skip] = (),
        links: Sequence[Link] = (),
        interactions: Sequence[Interaction] = (),
        findings: Sequence[Finding] = (),
        done_entries: Sequence[FrontierEntry] = (),
    ) -> None:
        """One fetched page and everything found on it, in one transaction: the page is
        never stored without its links, skips and findings, nor they without it."""
        ...


__all__ = ["CrawlStore"]
