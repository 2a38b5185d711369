"""SQLite run store: runs, crawl frontier, pages, bodies, links, interactions, findings.

One file, WAL mode. Each finished page is written with its frontier update, its new
frontier entries and its skips in one transaction, so a run killed at any moment resumes
without losing a finished page or fetching one twice. Schema changes are migrations,
numbered in ``MIGRATIONS``; ``PRAGMA user_version`` holds the applied number.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import zstandard

from dcaudit.errors import StoreError, UnknownRun
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
    RunStats,
    RunStatus,
    Skip,
    SkipReason,
    Source,
)
from dcaudit.transaction import Transaction

MIGRATIONS: tuple[str, ...] = (
    # 1: first schema
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT, status TEXT NOT NULL,
        seeds TEXT NOT NULL, settings TEXT NOT NULL, stats TEXT NOT NULL,
        tool TEXT NOT NULL, notes TEXT NOT NULL
    );
    CREATE TABLE frontier (
        run_id TEXT NOT NULL, url TEXT NOT NULL, depth INTEGER NOT NULL,
        parent TEXT, state TEXT NOT NULL DEFAULT 'queued', seq INTEGER NOT NULL,
        PRIMARY KEY (run_id, url)
    );
    CREATE INDEX frontier_state ON frontier (run_id, state, seq);
    CREATE TABLE pages (
        run_id TEXT NOT NULL, url TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (run_id, url)
    );
    CREATE TABLE bodies (
        run_id TEXT NOT NULL, url TEXT NOT NULL, body BLOB NOT NULL,
        PRIMARY KEY (run_id, url)
    );
    CREATE TABLE skips (
        run_id TEXT NOT NULL, url TEXT NOT NULL, reason TEXT NOT NULL,
        source TEXT, detail TEXT,
        PRIMARY KEY (run_id, url, reason)
    );
    CREATE TABLE links (
        run_id TEXT NOT NULL, page TEXT NOT NULL, url TEXT NOT NULL, text TEXT NOT NULL,
        kind TEXT NOT NULL,
        PRIMARY KEY (run_id, page, url)
    );
    CREATE TABLE interactions (
        run_id TEXT NOT NULL, id TEXT NOT NULL, page TEXT NOT NULL, seq INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, id)
    );
    CREATE TABLE findings (
        run_id TEXT NOT NULL, id TEXT NOT NULL, page TEXT NOT NULL, seq INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, id)
    );
    CREATE INDEX findings_page ON findings (run_id, page);
    CREATE INDEX interactions_page ON interactions (run_id, page);
    """,
    # 2: (run_id, seq) indexes, so the MAX(seq) of every write and the ORDER BY seq of every
    # read stay O(log n) instead of scanning the run (quadratic over a 20,000-page crawl)
    """
    CREATE INDEX pages_seq ON pages (run_id, seq);
    CREATE INDEX frontier_seq ON frontier (run_id, seq);
    CREATE INDEX interactions_seq ON interactions (run_id, seq);
    CREATE INDEX findings_seq ON findings (run_id, seq);
    """,
    # 3: the site's risk score with its factors
    """
    ALTER TABLE runs ADD COLUMN risk TEXT
    """,
    # 4: the process running a run (dcaudit.owner): was a "running" run's process killed?
    """
    ALTER TABLE runs ADD COLUMN owner TEXT
    """,
)
_RUN_COLUMNS = "id, started, finished, status, seeds, settings, stats, tool, notes, risk"
SCHEMA_VERSION = len(MIGRATIONS)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # every zstd frame opens with it; zlib streams never do


class Store:
    """A dcaudit SQLite file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        """Open the store at ``path``; with ``create=False`` a missing one is a StoreError
        and nothing is created (for commands that only read)."""
        self.path = Path(path)
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            elif not self.path.is_file():
                raise StoreError(f"no store at {self.path}")
            # mode=rw: SQLite opens the file only if it exists, even if it went meanwhile
            target = str(self.path) if create else self.path.absolute().as_uri() + "?mode=rw"
            # the browser pass writes from its worker threads (one at a time); writes are
            # serialised by self._lock, so sharing the connection across threads is safe
            self._db = sqlite3.connect(
                target, uri=not create, isolation_level=None, check_same_thread=False
            )
            self._lock = threading.RLock()
            self._seqs: dict[tuple[str, str], int] = {}
            # zstd level 1: a third of zlib level 1's time on HTML, and smaller. A compressor
            # is not thread-safe; it is only used inside a write, under self._lock.
            self._compress = zstandard.ZstdCompressor(level=1).compress
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            # a checkpoint fsyncs the WAL and the file, stalling the crawl's event loop: at
            # every 10,000 WAL pages (about 40 MB, ~900 crawled pages) instead of 1,000
            self._db.execute("PRAGMA wal_autocheckpoint=10000")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot create store {self.path}: {exc.strerror}") from exc

    # -- lifecycle -----------------------------------------------------------------
    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer dcaudit (schema {version}, "
                f"this version reads up to {SCHEMA_VERSION})"
            )
        for number in range(version, SCHEMA_VERSION):
            with self._transaction():
                # executescript would commit on its own; run statements one by one instead
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")

    def _transaction(self) -> Transaction:
        return Transaction(self._db, self._lock, self.path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- runs ----------------------------------------------------------------------
    def create_run(self, run: Run) -> None:
        with self._transaction():
            self._db.execute(
                f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    run.id,
                    run.started,
                    run.finished,
                    run.status.value,
                    json.dumps(list(run.seeds)),
                    json.dumps(run.settings),
                    json.dumps(run.stats.to_dict()),
                    json.dumps(run.tool),
                    json.dumps(list(run.notes)),
                    json.dumps(run.risk and _plain_risk(run.risk)),
                ),
            )

    def save_run(self, run: Run) -> None:
        """Write every field of an existing run."""
        with self._transaction():
            self._db.execute(
                "UPDATE runs SET started=?, finished=?, status=?, seeds=?, settings=?, stats=?,"
                " tool=?, notes=?, risk=? WHERE id=?",
                (
                    run.started,
                    run.finished,
                    run.status.value,
                    json.dumps(list(run.seeds)),
                    json.dumps(run.settings),
                    json.dumps(run.stats.to_dict()),
                    json.dumps(run.tool),
                    json.dumps(list(run.notes)),
                    json.dumps(run.risk and _plain_risk(run.risk)),
                    run.id,
                ),
            )

    def merge_tool(self, run_id: str, values: dict[str, Any]) -> None:
        """Merge ``values`` into a run's tool record, objects key by key (JSON merge patch),
        leaving the rest of the run as it is stored."""
        with self._transaction():
            self._db.execute(
                "UPDATE runs SET tool=json_patch(tool, ?) WHERE id=?", (json.dumps(values), run_id)
            )

    def get_run(self, run_id: str) -> Run:
        row = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            known = ", ".join(r.id for r in self.list_runs()[-5:]) or "none"
            raise UnknownRun(f"no run '{run_id}' in {self.path} (latest runs: {known})")
        return _run_from_row(row)

    def list_runs(self) -> list[Run]:
        rows = self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY started").fetchall()
        return [_run_from_row(r) for r in rows]

    def set_owner(self, run_id: str, owner: dict[str, Any] | None) -> None:
        """Record the process now running ``run_id`` (None: no process)."""
        value = None if owner is None else json.dumps(owner)
        with self._transaction():
            self._db.execute("UPDATE runs SET owner=? WHERE id=?", (value, run_id))

    def owners(self, status: RunStatus = RunStatus.RUNNING) -> dict[str, dict[str, Any]]:
        """Run id -> the process recorded as running it, for runs in ``status``."""
        query = "SELECT id, owner FROM runs WHERE status=? AND owner IS NOT NULL"
        return {i: json.loads(owner) for i, owner in self._db.execute(query, (status.value,))}

    # -- frontier ------------------------------------------------------------------
    def enqueue(self, run_id: str, entries: Iterable[FrontierEntry]) -> None:
        with self._transaction():
            self._enqueue(run_id, entries)

    def _enqueue(self, run_id: str, entries: Iterable[FrontierEntry]) -> None:
        # sequence numbers from the counter: rows ignored as duplicates leave gaps, and
        # the order (all that seq is for) is the order of insertion, as with MAX(seq) + 1
        rows = [(run_id, e.url, e.depth, e.parent) for e in entries]
        if not rows:
            return
        seq = self._next_seq("frontier", run_id, len(rows))
        self._db.executemany(
            "INSERT OR IGNORE INTO frontier (run_id, url, depth, parent, state, seq) "
            "VALUES (?, ?, ?, ?, 'queued', ?)",
            [(*row, seq + n) for n, row in enumerate(rows)],
        )

    def queued(self, run_id: str) -> list[FrontierEntry]:
        rows = self._db.execute(
            "SELECT url, depth, parent FROM frontier WHERE run_id=? AND state='queued' "
            "ORDER BY seq",
            (run_id,),
        ).fetchall()
        return [FrontierEntry(url, depth, parent) for url, depth, parent in rows]

    def known_urls(self, run_id: str) -> set[str]:
        """Every URL already in the frontier (queued or done) or skipped."""
        urls = {
            r[0] for r in self._db.execute("SELECT url FROM frontier WHERE run_id=?", (run_id,))
        }
        urls.update(
            r[0] for r in self._db.execute("SELECT url FROM skips WHERE run_id=?", (run_id,))
        )
        return urls

    def has_frontier(self, run_id: str) -> bool:
        """True once a crawl has started for ``run_id`` (a later crawl resumes it)."""
        row = self._db.execute("SELECT 1 FROM frontier WHERE run_id=? LIMIT 1", (run_id,))
        return row.fetchone() is not None

    def frontier_urls(self, run_id: str) -> Iterator[str]:
        """Every URL admitted to the frontier, whatever its state."""
        for (url,) in self._db.execute("SELECT url FROM frontier WHERE run_id=?", (run_id,)):
            yield url

    def close_entries(self, run_id: str, skips: Sequence[Skip]) -> None:
        """Finish frontier entries that end without a page (a content type not crawled,
        the page limit reached), recording why, atomically."""
        with self._transaction():
            self._db.executemany(
                "UPDATE frontier SET state='skipped' WHERE run_id=? AND url=?",
                [(run_id, s.url) for s in skips],
            )
            self._record_skips(run_id, skips)

    def record_skips(self, run_id: str, skips: Iterable[Skip]) -> None:
        with self._transaction():
            self._record_skips(run_id, skips)

    def _record_skips(self, run_id: str, skips: Iterable[Skip]) -> None:
        self._db.executemany(
            "INSERT OR IGNORE INTO skips VALUES (?,?,?,?,?)",
            [(run_id, s.url, s.reason.value, s.source, s.detail) for s in skips],
        )

    def skips(self, run_id: str) -> list[Skip]:
        rows = self._db.execute(
            "SELECT url, reason, source, detail FROM skips WHERE run_id=? ORDER BY rowid", (run_id,)
        )
        return [Skip(u, SkipReason(r), s, d) for u, r, s, d in rows]

    def skip_counts(self, run_id: str) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT reason, COUNT(*) FROM skips WHERE run_id=? GROUP BY reason", (run_id,)
        )
        return {reason: count for reason, count in rows}

    # -- pages ---------------------------------------------------------------------
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
        """Write one finished page and everything found on it, atomically.

        ``done_entries`` are URLs this fetch already covered (redirect targets): they enter
        the frontier as done, so they are never fetched on their own.
        """
        with self._transaction():
            seq = self._next_seq("pages", run_id)
            self._db.execute(
                "INSERT OR REPLACE INTO pages VALUES (?,?,?,?)",
                (run_id, page.url, seq, json.dumps(page.to_dict())),
            )
            if body is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO bodies VALUES (?,?,?)",
                    (run_id, page.url, self._compress(body.encode("utf-8"))),
                )
            self._db.execute(
                "UPDATE frontier SET state='done' WHERE run_id=? AND url=?", (run_id, page.url)
            )
            if new_entries:
                self._enqueue(run_id, new_entries)
            if done_entries:
                self._enqueue(run_id, done_entries)
                self._db.executemany(
                    "UPDATE frontier SET state='done' WHERE run_id=? AND url=?",
                    [(run_id, e.url) for e in done_entries],
                )
            if skips:
                self._record_skips(run_id, skips)
            if links:
                self._db.executemany(
                    "INSERT OR IGNORE INTO links VALUES (?,?,?,?,?)",
                    [(run_id, x.page, x.url, x.text, x.kind) for x in links],
                )
            self._put_interactions(run_id, interactions)
            self._put_findings(run_id, findings)

    def update_page(self, run_id: str, page: Page) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE pages SET data=? WHERE run_id=? AND url=?",
                (json.dumps(page.to_dict()), run_id, page.url),
            )

    def pages(self, run_id: str) -> Iterator[Page]:
        for (data,) in self._db.execute(
            "SELECT data FROM pages WHERE run_id=? ORDER BY seq", (run_id,)
        ):
            yield page_from_dict(json.loads(data))

    def pages_after(self, run_id: str, seq: int, limit: int) -> list[tuple[int, Page]]:
        """Up to ``limit`` pages stored after sequence number ``seq``, in storing order."""
        query = "SELECT seq, data FROM pages WHERE run_id=? AND seq>? ORDER BY seq LIMIT ?"
        rows = self._db.execute(query, (run_id, seq, limit)).fetchall()
        return [(int(n), page_from_dict(json.loads(data))) for n, data in rows]

    def page_totals(self, run_id: str) -> tuple[int, int]:
        """``(pages, pages with an error)`` for ``run_id``, counted without reading the pages."""
        row = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(json_extract(data, '$.error') IS NOT NULL), 0) "
            "FROM pages WHERE run_id=?",
            (run_id,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def page_count(self, run_id: str) -> int:
        return int(
            self._db.execute("SELECT COUNT(*) FROM pages WHERE run_id=?", (run_id,)).fetchone()[0]
        )

    def page_body(self, run_id: str, url: str) -> str | None:
        row = self._db.execute(
            "SELECT body FROM bodies WHERE run_id=? AND url=?", (run_id, url)
        ).fetchone()
        return _decompress(row[0]).decode("utf-8") if row else None

    def links(self, run_id: str) -> list[Link]:
        rows = self._db.execute(
            "SELECT page, url, text, kind FROM links WHERE run_id=? ORDER BY rowid", (run_id,)
        )
        return [Link(*row) for row in rows]

    # -- interactions and findings -------------------------------------------------
    def _next_seq(self, table: str, run_id: str, count: int = 1) -> int:
        """The next sequence number of ``table`` for ``run_id``, reserving ``count`` of them.

        Read from the table once per Store, then counted here (one writer per store file).
        """
        key = (table, run_id)
        seq = self._seqs.get(key)
        if seq is None:
            row = self._db.execute(
                f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {table} WHERE run_id=?", (run_id,)
            ).fetchone()
            seq = int(row[0])
        self._seqs[key] = seq + count
        return seq

    def _put_interactions(self, run_id: str, items: Sequence[Interaction]) -> None:
        if not items:
            return
        seq = self._next_seq("interactions", run_id, len(items))
        self._db.executemany(
            "INSERT OR REPLACE INTO interactions VALUES (?,?,?,?,?)",
            [(run_id, i.id, i.page, seq + n, json.dumps(i.to_dict())) for n, i in enumerate(items)],
        )

    def _put_findings(self, run_id: str, items: Sequence[Finding]) -> None:
        if not items:
            return
        seq = self._next_seq("findings", run_id, len(items))
        self._db.executemany(
            "INSERT OR REPLACE INTO findings VALUES (?,?,?,?,?)",
            [(run_id, f.id, f.page, seq + n, json.dumps(f.to_dict())) for n, f in enumerate(items)],
        )

    def put_interactions(self, run_id: str, items: Sequence[Interaction]) -> None:
        """Insert or replace interactions (same id replaces)."""
        with self._transaction():
            self._put_interactions(run_id, items)

    def put_findings(self, run_id: str, items: Sequence[Finding]) -> None:
        with self._transaction():
            self._put_findings(run_id, items)

    def interactions(self, run_id: str, page: str | None = None) -> Iterator[Interaction]:
        query = "SELECT data FROM interactions WHERE run_id=?"
        params: tuple[str, ...] = (run_id,)
        if page is not None:
            query += " AND page=?"
            params += (page,)
        for (data,) in self._db.execute(query + " ORDER BY seq", params):
            yield interaction_from_dict(json.loads(data))

    def findings(self, run_id: str, page: str | None = None) -> Iterator[Finding]:
        query = "SELECT data FROM findings WHERE run_id=?"
        params: tuple[str, ...] = (run_id,)
        if page is not None:
            query += " AND page=?"
            params += (page,)
        for (data,) in self._db.execute(query + " ORDER BY seq", params):
            yield finding_from_dict(json.loads(data))

    def update_interactions(self, run_id: str, items: Sequence[Interaction]) -> None:
        """Store interactions again where they are, in their stored order (the scorer's)."""
        rows = [(json.dumps(i.to_dict()), run_id, i.id) for i in items]
        with self._transaction():
            self._db.executemany("UPDATE interactions SET data=? WHERE run_id=? AND id=?", rows)

    def read(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read-only query (dcaudit.chunks reads large runs in chunks)."""
        return self._db.execute(query, params).fetchall()


# -- decoding ------------------------------------------------------------------------
def _run_from_row(row: tuple[Any, ...]) -> Run:
    run_id, started, finished, status, seeds, settings, stats, tool, notes, risk = row
    return Run(
        id=run_id,
        started=started,
        finished=finished,
        status=RunStatus(status),
        seeds=tuple(json.loads(seeds)),
        settings=json.loads(settings),
        stats=RunStats(**json.loads(stats)),
        tool=json.loads(tool),
        notes=tuple(json.loads(notes)),
        risk=risk_from_dict(json.loads(risk)) if risk else None,
    )


def _plain_risk(risk: Risk) -> dict[str, Any]:
    return {"score": risk.score, "factors": [vars(f) for f in risk.factors]}


def risk_from_dict(data: dict[str, Any] | None) -> Risk | None:
    if not data:
        return None
    return Risk(
        score=data["score"], factors=tuple(RiskFactor(**f) for f in data.get("factors", ()))
    )


def page_from_dict(data: dict[str, Any]) -> Page:
    data = dict(data)
    data["redirects"] = tuple(data.get("redirects", ()))
    data["headers"] = tuple(tuple(pair) for pair in data.get("headers", ()))
    data["risk"] = risk_from_dict(data.get("risk"))
    return Page(**data)


def interaction_from_dict(data: dict[str, Any]) -> Interaction:
    data = dict(data)
    cls = data.pop("class", None)
    risk = data.pop("risk", None)
    return Interaction(
        **{
            **data,
            "kind": Kind(data["kind"]),
            "interaction_class": InteractionClass(cls) if cls else None,
            "runner_up": InteractionClass(data["runner_up"]) if data.get("runner_up") else None,
            "mode": Mode(data["mode"]) if data.get("mode") else None,
            "fields": tuple(Field(**f) for f in data.get("fields", ())),
            "four_cos": tuple(FourCo(c) for c in data.get("four_cos", ())),
            "participation": Participation(data["participation"])
            if data.get("participation")
            else None,
            "evidence": tuple(Evidence(**e) for e in data.get("evidence", ())),
            "tags": tuple(data.get("tags", ())),
            "finding_ids": tuple(data.get("finding_ids", ())),
            "risk": risk_from_dict(risk),
        }
    )


def _decompress(data: bytes) -> bytes:
    """A stored body, zstd-compressed (zlib in stores written by earlier versions)."""
    if data[:4] == ZSTD_MAGIC:
        return zstandard.ZstdDecompressor().decompress(data)
    return zlib.decompress(data)


def finding_from_dict(data: dict[str, Any]) -> Finding:
    data = dict(data)
    return Finding(
        **{
            **data,
            "source": Source(data["source"]),
            "outcome": Outcome(data["outcome"]),
            "impact": Impact(data["impact"]) if data.get("impact") else None,
            "wcag": tuple(data.get("wcag", ())),
        }
    )
