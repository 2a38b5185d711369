"""Scores and reports of a large run come from the store a chunk at a time, never the whole
run in memory, and say exactly what they said when made from records in memory."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dcaudit import chunks
from dcaudit.report import FORMATS, aggregate, gitlab, html, write_reports
from dcaudit.report import json as report_json
from dcaudit.report import sarif as report_sarif
from dcaudit.report.data import build_report_data, load_report_data
from dcaudit.score import SiteTally, score_run
from dcaudit.store import Store

from .fixture_run import FixtureRun, fixture_run, store_fixture_run

CHUNK = 10
BYTES_A_PAGE = 2_000  # what may grow a page: a whole run in memory is five times that
# GitLab's Code Quality report merges each problem's pages: one small record a problem
BOUNDED = [f for f in FORMATS if f != "codequality"]


def copies(fixture: FixtureRun, count: int) -> FixtureRun:
    """The fixture run's pages ``count`` times over, each copy at URLs of its own, with its
    own ids and the links between its interactions and findings kept."""

    def moved(url: str | None, k: int) -> str | None:
        return None if url is None else f"{url}{'&' if '?' in url else '?'}copy={k}"

    pages, interactions, findings = [], [], []
    for k in range(count):
        pages += [
            replace(p, url=moved(p.url, k), final_url=moved(p.final_url, k)) for p in fixture.pages
        ]
        interactions += [
            replace(
                i,
                id=f"{i.id}-{k}",
                page=moved(i.page, k),
                finding_ids=tuple(f"{f}-{k}" for f in i.finding_ids),
            )
            for i in fixture.interactions
        ]
        findings += [
            replace(
                f,
                id=f"{f.id}-{k}",
                page=moved(f.page, k),
                interaction=f"{f.interaction}-{k}" if f.interaction else None,
            )
            for f in fixture.findings
        ]
    skips = [replace(s, source=moved(s.source, 0)) for s in fixture.skips]
    return FixtureRun(fixture.run, pages, interactions, findings, skips)


class CountingStore(Store):
    """A store that counts the rows of each read and refuses to read a whole run."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reads: list[int] = []
        self.refuse = False

    def read(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows = super().read(query, params)
        self.reads.append(len(rows))
        return rows

    def _whole(self, name: str) -> None:
        if self.refuse:
            raise AssertionError(f"Store.{name} read the whole run")

    def pages(self, run_id: str) -> Iterator[Any]:
        self._whole("pages")
        return super().pages(run_id)

    def interactions(self, run_id: str, page: str | None = None) -> Iterator[Any]:
        self._whole("interactions")
        return super().interactions(run_id, page)

    def findings(self, run_id: str, page: str | None = None) -> Iterator[Any]:
        self._whole("findings")
        return super().findings(run_id, page)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "CHUNK", CHUNK)


def _stored(tmp_path: Path, run: FixtureRun) -> tuple[CountingStore, str]:
    store = CountingStore(tmp_path / "dcaudit.sqlite")
    return store, store_fixture_run(store, run)


def test_a_large_run_is_scored_and_reported_a_chunk_at_a_time(
    tmp_path: Path, small_chunks: None
) -> None:
    many = copies(fixture_run(), 30)  # 30 times the fixture's pages, 10 times CHUNK or more
    store, run_id = _stored(tmp_path, many)
    assert chunks.reads_by_page(store, run_id)
    per_page = max(
        sum(1 for r in [*many.interactions, *many.findings] if r.page == p.url) for p in many.pages
    )
    store.refuse = True
    store.reads.clear()
    score_run(store, run_id, _weights(), [])
    write_reports(store, run_id, FORMATS, tmp_path / "out")
    # no read brings more than a chunk of rows, or the rows of a chunk of pages
    assert max(store.reads) <= CHUNK * per_page < len(many.findings) / 2
    assert sum(store.reads) > 10 * len(many.findings)  # every report went through the run


def test_reports_from_the_store_in_chunks_match_reports_from_memory(
    tmp_path: Path, small_chunks: None
) -> None:
    many = copies(fixture_run(), 6)
    store, run_id = _stored(tmp_path, many)
    stored = load_report_data(store, run_id)
    in_memory = build_report_data(
        stored.run,
        list(stored.pages),
        list(stored.interactions),
        list(stored.findings),
        stored.skips,
        home_html=None,
    )
    assert stored.summary == in_memory.summary
    for fmt in FORMATS:
        a = {p.name: p.read_text() for p in _written(stored, fmt, tmp_path / "a")}
        b = {p.name: p.read_text() for p in _written(in_memory, fmt, tmp_path / "b")}
        assert a == b, fmt


def _written(data: Any, fmt: str, out: Path) -> list[Path]:
    from dcaudit.report import write_report_data

    return write_report_data(data, [fmt], out)


def test_large_json_and_sarif_are_streamed_as_the_compact_document(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, run_id = _stored(tmp_path, copies(fixture_run(), 3))
    data = load_report_data(store, run_id)
    for module in (report_json, report_sarif, gitlab):
        monkeypatch.setattr(module, "PRETTY_MAX_ITEMS", 10)
    streamed = io.StringIO()
    gitlab.write_pa11y(data, streamed)
    monkeypatch.setattr(gitlab, "PRETTY_MAX_ITEMS", 10**9)
    assert streamed.getvalue() == _compact(json.loads(gitlab.render_pa11y(data)))
    streamed = io.StringIO()
    report_json.write_json(data, streamed)
    assert streamed.getvalue() == _compact(report_json.report_dict(data))
    streamed = io.StringIO()
    report_sarif.write_sarif(data, streamed)
    assert streamed.getvalue() == _compact(report_sarif.sarif_dict(data))


def _compact(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def test_chunked_scores_are_the_scores_of_the_whole_run(tmp_path: Path, small_chunks: None) -> None:
    many = copies(fixture_run(), 4)
    chunked, run_id = _stored(tmp_path / "a", many)
    whole, _ = _stored(tmp_path / "b", many)
    site = score_run(chunked, run_id, _weights(), [])
    from dcaudit.score import _score_whole

    assert site == _score_whole(whole, run_id, _weights(), [])
    assert list(chunked.pages(run_id)) == list(whole.pages(run_id))
    assert list(chunked.interactions(run_id)) == list(whole.interactions(run_id))
    assert site.factors and SiteTally().risk([], _weights()).score == 0


def test_report_memory_does_not_grow_with_the_run(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peak traced memory of writing every report of a run, and of one four times its size.
    What reports list is capped (made small here so both runs pass the caps), the rest
    counted: beyond the chunks read, only a few small figures a page may grow, where a run
    held whole adds about ten kilobytes a page."""
    for module in (report_json, report_sarif, gitlab):  # both runs take the streamed path
        monkeypatch.setattr(module, "PRETTY_MAX_ITEMS", 10)
    for name in ("INTERACTIONS_SHOWN_PER_CLASS", "FAILURES_SHOWN", "SKIPS_SHOWN"):
        monkeypatch.setattr(html, name, 3)
    monkeypatch.setattr(chunks.StoredPages, "KEPT", 3)  # pages looked up, kept for a while
    monkeypatch.setattr(aggregate, "INSTANCES_SHOWN", 3)
    monkeypatch.setattr(aggregate, "BLOCKED_SHOWN", 3)
    monkeypatch.setattr(aggregate, "FIX_KEPT", 3)
    peaks, pages = [], []
    for count in (8, 32):
        store, run_id = _stored(tmp_path / str(count), copies(fixture_run(), count))
        score_run(store, run_id, _weights(), [])
        write_reports(store, run_id, BOUNDED, tmp_path / "warm")  # caches filled, as in a run
        tracemalloc.start()
        write_reports(store, run_id, BOUNDED, tmp_path / str(count) / "out")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        pages.append(store.read("SELECT COUNT(*) FROM pages")[0][0])
    per_page = (peaks[1] - peaks[0]) / (pages[1] - pages[0])
    assert per_page < BYTES_A_PAGE, (peaks, pages)


def _weights() -> Any:
    from dcaudit.engine.packs import load_packs
    from dcaudit.score import load_weights

    return load_weights(load_packs(()))
