"""Batches in the run store: which bodies a batch holds, in order, with the run of each.

The tables live in the same SQLite file as the runs (one store holds the batch) beside the
run store's own schema, created when first needed; the runs themselves are ordinary runs.
Only the batch process writes here, between the runs it starts, never during one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dcaudit.batch.bodies import Body
from dcaudit.errors import StoreError

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS batches (
        id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT, status TEXT NOT NULL,
        source TEXT NOT NULL, columns TEXT NOT NULL, settings TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS batch_bodies (
        batch_id TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL,
        url TEXT NOT NULL, groups TEXT NOT NULL, run_id TEXT, status TEXT NOT NULL,
        detail TEXT, PRIMARY KEY (batch_id, name)
    )""",
)
# a body's state in its batch; FINISHED ones are never audited again by --resume
PENDING, RUNNING, DONE, UNREACHABLE, FAILED, INTERRUPTED = (
    "pending",
    "running",
    "done",
    "unreachable",
    "failed",
    "interrupted",
)
FINISHED = frozenset({DONE, UNREACHABLE, FAILED})


@dataclass(frozen=True)
class BatchBody:
    body: Body
    position: int
    status: str = PENDING
    run_id: str | None = None
    detail: str | None = None  # why a body is unreachable or failed


@dataclass(frozen=True)
class Batch:
    id: str
    started: str
    status: str
    source: str  # the bodies file's name, as given
    columns: tuple[str, ...]  # the grouping columns
    settings: dict[str, Any]  # the per-site settings every body got
    finished: str | None = None
    bodies: tuple[BatchBody, ...] = field(default=())


class Ledger:
    """The batch tables of one store file."""

    def __init__(self, path: Path) -> None:
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
            for statement in _SCHEMA:
                self._db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def create(self, batch: Batch) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT INTO batches VALUES (?,?,?,?,?,?,?)",
                (
                    batch.id,
                    batch.started,
                    batch.finished,
                    batch.status,
                    batch.source,
                    json.dumps(list(batch.columns)),
                    json.dumps(batch.settings),
                ),
            )
            self._db.executemany(
                "INSERT INTO batch_bodies VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        batch.id,
                        b.position,
                        b.body.name,
                        b.body.url,
                        json.dumps(b.body.groups),
                        b.run_id,
                        b.status,
                        b.detail,
                    )
                    for b in batch.bodies
                ],
            )

    def set_body(
        self, batch_id: str, name: str, status: str, run_id: str | None, detail: str | None = None
    ) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE batch_bodies SET status=?, run_id=?, detail=? WHERE batch_id=? AND name=?",
                (status, run_id, detail, batch_id, name),
            )

    def put_run(
        self,
        batch_id: str,
        name: str,
        ended: tuple[str, str | None, str | None],
        schema: int,
        rows: Mapping[str, tuple[Sequence[str], Sequence[Sequence[Any]]]],
    ) -> None:
        """Insert a run's rows, audited elsewhere (:mod:`dcaudit.batch.transfer`), and
        set the body's ``(status, run_id, detail)``, in one transaction."""
        ours = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if rows and schema != ours:
            raise StoreError(
                f"a worker wrote store schema {schema}, this store has {ours}: "
                "install the same dcaudit version on the workers as here"
            )
        statements = [
            (self._insert(table, columns), values) for table, (columns, values) in rows.items()
        ]
        with self._transaction():
            for statement, values in statements:
                self._db.executemany(statement, values)
            self._db.execute(
                "UPDATE batch_bodies SET status=?, run_id=?, detail=? WHERE batch_id=? AND name=?",
                (*ended, batch_id, name),
            )

    def _insert(self, table: str, columns: Sequence[str]) -> str:
        known = {c[1] for c in self._db.execute("SELECT * FROM pragma_table_info(?)", (table,))}
        if not known or not set(columns) <= known:
            raise StoreError(f"a worker returned rows this store has no place for ({table})")
        names = ", ".join(f'"{c}"' for c in columns)
        return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'

    def set_status(self, batch_id: str, status: str, finished: str | None) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE batches SET status=?, finished=? WHERE id=?", (status, finished, batch_id)
            )

    def get(self, batch_id: str) -> Batch:
        row = self._db.execute(
            "SELECT id, started, finished, status, source, columns, settings FROM batches "
            "WHERE id=?",
            (batch_id,),
        ).fetchone()
        if row is None:
            known = ", ".join(b.id for b in self.all()[-5:]) or "none"
            raise StoreError(f"no batch '{batch_id}' in this store (latest batches: {known})")
        return self._batch(row)

    def all(self) -> list[Batch]:
        rows = self._db.execute(
            "SELECT id, started, finished, status, source, columns, settings FROM batches "
            "ORDER BY started, id"
        ).fetchall()
        return [self._batch(row) for row in rows]

    def claimed_runs(self) -> set[str]:
        """Every run id some batch body holds."""
        rows = self._db.execute("SELECT run_id FROM batch_bodies WHERE run_id IS NOT NULL")
        return {run_id for (run_id,) in rows}

    def _batch(self, row: Sequence[Any]) -> Batch:
        batch_id, started, finished, status, source, columns, settings = row
        bodies = tuple(
            BatchBody(
                body=Body(name=name, url=url, groups=json.loads(groups)),
                position=position,
                status=body_status,
                run_id=run_id,
                detail=detail,
            )
            for position, name, url, groups, run_id, body_status, detail in self._db.execute(
                "SELECT position, name, url, groups, run_id, status, detail FROM batch_bodies "
                "WHERE batch_id=? ORDER BY position",
                (batch_id,),
            )
        )
        return Batch(
            id=batch_id,
            started=started,
            finished=finished,
            status=status,
            source=source,
            columns=tuple(json.loads(columns)),
            settings=json.loads(settings),
            bodies=bodies,
        )
