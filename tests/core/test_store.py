"""The SQLite store: migrations, atomic page writes, round trips, resumable frontier."""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from dcaudit.errors import StoreError
from dcaudit.models import (
    Evidence,
    Field,
    Finding,
    FourCo,
    FrontierEntry,
    Impact,
    Interaction,
    InteractionClass,
    Kind,
    Link,
    Mode,
    Outcome,
    Page,
    Participation,
    Risk,
    RiskFactor,
    Run,
    RunStatus,
    Skip,
    SkipReason,
    Source,
)
from dcaudit.store import SCHEMA_VERSION, Store

PAGE = Page(
    url="http://127.0.0.1/a",
    final_url="http://127.0.0.1/a",
    status=200,
    content_type="text/html",
    bytes=123,
    depth=0,
    redirects=("http://127.0.0.1/old",),
)
INTERACTION = Interaction(
    id="abc",
    page=PAGE.url,
    kind=Kind.FORM,
    label="Apply",
    selector="#apply",
    fields=(Field(name="email", label="Email", type="email", required=True, autocomplete="email"),),
    interaction_class=InteractionClass.CONSULTATIVE,
    mode=Mode.TWO_WAY,
    four_cos=(FourCo.CO_ASSESSMENT,),
    participation=Participation.CONSULT,
    evidence=(Evidence(rule="DCC001", reason="phrase", match="have your say"),),
    risk=Risk(score=12.5, factors=(RiskFactor("axe/label", 5.0, "2 nodes"),)),
)
FINDING = Finding(
    id="f1",
    fingerprint="fp",
    rule="axe/label",
    source=Source.AXE,
    outcome=Outcome.VIOLATION,
    impact=Impact.CRITICAL,
    page=PAGE.url,
    message="Form elements must have labels",
    wcag=("4.1.2",),
    interaction="abc",
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    db = Store(tmp_path / "s.sqlite")
    db.create_run(Run(id="r1", started="2026-01-01T00:00:00Z", seeds=(PAGE.url,), settings={}))
    return db


def test_store_new_file_is_migrated_to_current_schema(store: Store) -> None:
    assert store.schema_version == SCHEMA_VERSION


def test_store_refuses_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}").connection.close()
    with pytest.raises(StoreError, match="newer dcaudit"):
        Store(path)


def test_store_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store(path)


def test_store_opened_without_create_never_makes_a_file(tmp_path: Path) -> None:
    missing = tmp_path / "reports" / "dcaudit.sqlite"
    with pytest.raises(StoreError, match=f"no store at {missing}"):
        Store(missing, create=False)
    assert list(tmp_path.iterdir()) == []


def test_store_opened_without_create_reads_an_existing_one(tmp_path: Path) -> None:
    path = tmp_path / "audit #1 100%" / "dcaudit.sqlite"  # characters a file: URI escapes
    with Store(path) as db:
        db.create_run(Run(id="r1", started="t", seeds=(PAGE.url,), settings={}))
    with Store(path, create=False) as db:
        assert [run.id for run in db.list_runs()] == ["r1"]


def test_store_save_page_round_trips_everything(store: Store) -> None:
    store.enqueue("r1", [FrontierEntry(PAGE.url, 0)])
    store.save_page(
        "r1",
        PAGE,
        body="<p>café</p>",
        new_entries=[FrontierEntry("http://127.0.0.1/b", 1, PAGE.url)],
        skips=[Skip("http://127.0.0.1/admin", SkipReason.ROBOTS, PAGE.url)],
        links=[Link(PAGE.url, "mailto:x@example.org", "Email us", "non_http")],
        interactions=[INTERACTION],
        findings=[FINDING],
    )
    assert list(store.pages("r1")) == [PAGE]
    assert store.page_body("r1", PAGE.url) == "<p>café</p>"
    assert list(store.interactions("r1")) == [INTERACTION]
    assert list(store.findings("r1")) == [FINDING]
    assert store.queued("r1") == [FrontierEntry("http://127.0.0.1/b", 1, PAGE.url)]
    assert store.skip_counts("r1") == {"robots": 1}
    assert store.links("r1")[0].url == "mailto:x@example.org"
    assert store.known_urls("r1") == {PAGE.url, "http://127.0.0.1/b", "http://127.0.0.1/admin"}


def test_store_compresses_bodies_and_still_reads_those_of_earlier_versions(store: Store) -> None:
    html = "<p>Casgliadau biniau bob wythnos.</p>" * 200
    store.save_page("r1", PAGE, body=html)
    other = replace(PAGE, url="http://127.0.0.1/old")
    store.save_page("r1", other)
    raw = sqlite3.connect(store.path)
    with raw:  # a body as stores written before zstd hold it
        raw.execute(
            "INSERT INTO bodies VALUES (?,?,?)", ("r1", other.url, zlib.compress(b"<p>hen</p>"))
        )
    (stored,) = raw.execute("SELECT body FROM bodies WHERE url=?", (PAGE.url,)).fetchone()
    raw.close()
    assert len(stored) < len(html) / 10
    assert store.page_body("r1", PAGE.url) == html
    assert store.page_body("r1", other.url) == "<p>hen</p>"


def test_store_save_page_is_atomic(store: Store) -> None:
    bad = Interaction(id="x", page=PAGE.url, kind=Kind.FORM, label="", selector="form")
    store.enqueue("r1", [FrontierEntry(PAGE.url, 0)])

    class Boom(Finding):
        def to_dict(self) -> dict[str, object]:
            raise RuntimeError("disk full")

    boom = Boom(**{**FINDING.__dict__})
    with pytest.raises(RuntimeError):
        store.save_page("r1", PAGE, interactions=[bad], findings=[boom])
    assert list(store.pages("r1")) == []
    assert list(store.interactions("r1")) == []
    assert store.queued("r1") == [FrontierEntry(PAGE.url, 0)]


def test_store_run_update_and_unknown_run(store: Store) -> None:
    run = store.get_run("r1")
    store.save_run(
        Run(**{**run.__dict__, "status": RunStatus.COMPLETE, "finished": "2026-01-01T00:01:00Z"})
    )
    assert store.get_run("r1").status is RunStatus.COMPLETE
    with pytest.raises(StoreError, match="no run 'zzz'"):
        store.get_run("zzz")


def test_store_enqueue_ignores_known_urls(store: Store) -> None:
    store.enqueue(
        "r1", [FrontierEntry("http://127.0.0.1/a", 0), FrontierEntry("http://127.0.0.1/a", 3)]
    )
    assert store.queued("r1") == [FrontierEntry("http://127.0.0.1/a", 0)]


def test_store_keeps_insertion_order_across_batches(tmp_path: Path) -> None:
    path = tmp_path / "order.sqlite"
    with Store(path) as db:
        db.create_run(Run(id="r1", started="t", seeds=(PAGE.url,), settings={}))
        first = [
            Interaction(id=f"a{n}", page=PAGE.url, kind=Kind.FORM, label="", selector="f")
            for n in range(3)
        ]
        db.put_interactions("r1", first)
        db.put_interactions(
            "r1", [Interaction(id="b0", page=PAGE.url, kind=Kind.LINK, label="", selector="a")]
        )
    with Store(path) as db:  # a new Store (a resumed run) continues the sequence
        db.put_interactions(
            "r1", [Interaction(id="c0", page=PAGE.url, kind=Kind.LINK, label="", selector="a")]
        )
        assert [i.id for i in db.interactions("r1")] == ["a0", "a1", "a2", "b0", "c0"]


def test_store_recovers_from_a_transaction_left_open_by_an_interrupt(store: Store) -> None:
    # as if KeyboardInterrupt landed just after BEGIN, before the with-block took over
    store._db.execute("BEGIN IMMEDIATE")
    store.enqueue("r1", [FrontierEntry(PAGE.url, 0)])
    assert store.queued("r1") == [FrontierEntry(PAGE.url, 0)]


def test_store_pages_after_reads_pages_in_storing_order_a_few_at_a_time(store: Store) -> None:
    urls = [f"http://127.0.0.1/p{n}" for n in range(5)]
    for url in urls:
        store.save_page("r1", replace(PAGE, url=url, final_url=url))
    first = store.pages_after("r1", 0, 2)
    rest = store.pages_after("r1", first[-1][0], 10)

    assert [page.url for _, page in first + rest] == urls
    assert store.pages_after("r1", rest[-1][0], 10) == []
    store.save_page("r1", replace(PAGE, url="http://127.0.0.1/late"))  # stored meanwhile
    assert [p.url for _, p in store.pages_after("r1", rest[-1][0], 10)] == ["http://127.0.0.1/late"]
