"""A stored run read in bounded chunks, for the scoring and the reports of large runs.

A 100,000-page run holds about a gigabyte of pages, interactions and findings once decoded,
so nothing after the crawl loads them all: :class:`StoredRows` is a view of one table that
reads ``CHUNK`` rows at a time by sequence number, each time it is iterated, and
:func:`with_findings` pairs each interaction with its findings from the findings of its own
page. dcaudit's checks link a finding only to interactions of its page; a run where that
does not hold (:func:`reads_by_page`) is read whole, as before, so the result is the same.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

from dcaudit.models import Finding, Interaction, Page
from dcaudit.store import Store, finding_from_dict, interaction_from_dict, page_from_dict
from dcaudit.summary import attached_findings

CHUNK = 500  # rows per read: a few megabytes decoded at most
TABLES = {"pages": page_from_dict, "interactions": interaction_from_dict}
TABLES["findings"] = finding_from_dict
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
# CROSS JOIN keeps SQLite's join order: each row looked up by id, not a scan per row
_OFF_PAGE = """
    SELECT 1 FROM findings f CROSS JOIN interactions i
        ON i.run_id = f.run_id AND i.id = json_extract(f.data, '$.interaction')
    WHERE f.run_id = ? AND i.page != f.page
    UNION ALL
    SELECT 1 FROM interactions i CROSS JOIN json_each(i.data, '$.finding_ids') j
        CROSS JOIN findings f ON f.run_id = i.run_id AND f.id = j.value
    WHERE i.run_id = ? AND f.page != i.page
    UNION ALL
    SELECT 1 FROM findings f WHERE f.run_id = ? AND NOT EXISTS
        (SELECT 1 FROM pages p WHERE p.run_id = f.run_id AND p.url = f.page)
    UNION ALL
    SELECT 1 FROM interactions i WHERE i.run_id = ? AND NOT EXISTS
        (SELECT 1 FROM pages p WHERE p.run_id = i.run_id AND p.url = i.page)
    LIMIT 1
"""


class Rows(Protocol[T_co]):
    """What reports read records through: a list, or a :class:`StoredRows`."""

    def __iter__(self) -> Iterator[T_co]: ...

    def __len__(self) -> int: ...


class StoredRows(Generic[T]):
    """The pages, interactions or findings of a run in stored order, read ``chunk`` rows at
    a time (by sequence number) whenever it is iterated."""

    def __init__(self, store: Store, run_id: str, table: str, chunk: int | None = None) -> None:
        self.store, self.run_id, self.table = store, run_id, table
        self.chunk = chunk or CHUNK
        self.decode: Callable[[dict[str, Any]], Any] = TABLES[table]  # a known table only
        self._by_page: bool | None = None

    def by_page(self) -> bool:
        """:func:`reads_by_page` of this run, asked once."""
        if self._by_page is None:
            self._by_page = reads_by_page(self.store, self.run_id)
        return self._by_page

    def __iter__(self) -> Iterator[T]:
        seq = 0
        query = f"SELECT seq, data FROM {self.table} WHERE run_id=? AND seq>? ORDER BY seq LIMIT ?"
        while True:
            rows = self.store.read(query, (self.run_id, seq, self.chunk))
            for _, data in rows:
                yield self.decode(json.loads(data))
            if len(rows) < self.chunk:
                return
            seq = rows[-1][0]

    def __len__(self) -> int:
        query = f"SELECT COUNT(*) FROM {self.table} WHERE run_id=?"
        return int(self.store.read(query, (self.run_id,))[0][0])

    def __getitem__(self, index: Any) -> Any:
        """Reads the whole table: for tests and small runs only."""
        return list(self)[index]

    def of_pages(self, urls: Sequence[str]) -> list[T]:
        """The rows of the pages ``urls`` (interactions or findings), in stored order."""
        marks = ",".join("?" * len(urls))
        query = f"SELECT data FROM {self.table} WHERE run_id=? AND page IN ({marks}) ORDER BY seq"
        rows = self.store.read(query, (self.run_id, *urls))
        return [self.decode(json.loads(data)) for (data,) in rows]


class StoredPages(Mapping[str, Page]):
    """A run's pages by URL, each read from the store when asked for (the recently asked
    kept): what reports look pages up in without holding them all."""

    KEPT = 256

    def __init__(self, rows: StoredRows[Page]) -> None:
        self.rows = rows
        self._kept: dict[str, Page | None] = {}

    def _read(self, url: str) -> Page | None:
        if url in self._kept:
            return self._kept[url]
        if len(self._kept) >= self.KEPT:
            self._kept.clear()  # pages are asked for page by page: the recent ones matter
        query = "SELECT data FROM pages WHERE run_id=? AND url=?"
        found = self.rows.store.read(query, (self.rows.run_id, url))
        page = self._kept[url] = page_from_dict(json.loads(found[0][0])) if found else None
        return page

    def __getitem__(self, url: str) -> Page:
        page = self._read(url)
        if page is None:
            raise KeyError(url)
        return page

    def __iter__(self) -> Iterator[str]:
        return (p.url for p in self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def lookup_pages(pages: Iterable[Page]) -> Mapping[str, Page]:
    """Pages by URL: looked up in the store for a stored run, else a dict."""
    if isinstance(pages, StoredRows):
        return StoredPages(pages)
    return {p.url: p for p in pages}


def stored_rows(store: Store, run_id: str, table: str) -> StoredRows[Any]:
    """The pages, interactions or findings of a run, read in chunks."""
    return StoredRows(store, run_id, table)


def pages_per_rule(
    findings: Iterable[Finding], outcome: str, sources: Sequence[str]
) -> dict[str, int] | None:
    """Rule -> how many pages have its findings of ``outcome`` from ``sources``, counted by
    SQLite for a stored run (no set of every page held); None for records in memory."""
    if not isinstance(findings, StoredRows):
        return None
    marks = ",".join("?" * len(sources))
    query = (
        "SELECT json_extract(data, '$.rule'), COUNT(DISTINCT page) FROM findings "
        f"WHERE run_id=? AND json_extract(data, '$.outcome')=? "
        f"AND json_extract(data, '$.source') IN ({marks}) GROUP BY 1"
    )
    rows = findings.store.read(query, (findings.run_id, outcome, *sources))
    return {rule: int(count) for rule, count in rows}


def reads_by_page(store: Store, run_id: str) -> bool:
    """Whether every interaction and finding is on a stored page and linked (either way)
    only within it, as dcaudit's checks write them: then a run can be read page by page."""
    return not store.read(_OFF_PAGE, (run_id,) * 4)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _readable_by_page(
    interactions: Iterable[Interaction], findings: Iterable[Finding]
) -> tuple[StoredRows[Interaction], StoredRows[Finding]] | None:
    """Both from a store that can be read page by page, or None."""
    if isinstance(interactions, StoredRows) and isinstance(findings, StoredRows):
        return (interactions, findings) if findings.by_page() else None
    return None


def with_findings(
    interactions: Iterable[Interaction], findings: Iterable[Finding]
) -> Iterator[tuple[Interaction, list[Finding]]]:
    """Each interaction in stored order with its findings (``attached_findings``): from a
    store a chunk at a time with the findings of the chunk's pages, else all at once."""
    stored = _readable_by_page(interactions, findings)
    if stored is not None:
        for chunk in batched(stored[0], stored[0].chunk):
            own = stored[1].of_pages(list(dict.fromkeys(i.page for i in chunk)))
            attached = attached_findings(chunk, own)
            yield from ((i, attached.get(i.id, [])) for i in chunk)
        return
    attached = attached_findings(interactions, findings)
    yield from ((i, attached.get(i.id, [])) for i in interactions)


def with_interactions(
    interactions: Iterable[Interaction], findings: Iterable[Finding]
) -> Iterator[tuple[Finding, list[Interaction]]]:
    """Each finding in stored order with the interactions it is attached to, in stored
    order: :func:`with_findings` the other way round."""
    stored = _readable_by_page(interactions, findings)
    if stored is not None:
        for chunk in batched(stored[1], stored[1].chunk):
            own = stored[0].of_pages(list(dict.fromkeys(f.page for f in chunk)))
            yield from _inverted(own, chunk)
        return
    yield from _inverted(list(interactions), findings)


def _inverted(
    interactions: list[Interaction], findings: Iterable[Finding]
) -> Iterator[tuple[Finding, list[Interaction]]]:
    findings = list(findings)
    owners: dict[str, list[Interaction]] = {}
    attached = attached_findings(interactions, findings)
    for interaction in interactions:
        for finding in attached.get(interaction.id, ()):
            owners.setdefault(finding.id, []).append(interaction)
    yield from ((f, owners.get(f.id, [])) for f in findings)


def by_page(
    pages: Iterable[Page],
    interactions: Iterable[Interaction] | None,
    findings: Iterable[Finding],
) -> Iterator[tuple[list[Page], list[Interaction], list[Finding]]]:
    """Pages in stored order a chunk at a time, with the chunk's interactions (none when
    ``interactions`` is None) and findings in stored order; from a store read page by page,
    else one chunk of everything."""
    if (
        isinstance(pages, StoredRows)
        and isinstance(findings, StoredRows)
        and isinstance(interactions, StoredRows | None)
        and pages.by_page()
    ):
        for chunk in batched(pages, pages.chunk):
            urls = [p.url for p in chunk]
            own = interactions.of_pages(urls) if interactions is not None else []
            yield chunk, own, findings.of_pages(urls)
        return
    yield list(pages), list(interactions or ()), list(findings)
