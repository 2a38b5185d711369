"""A body audited on a Dask worker and carried back to the batch store as plain rows.

The worker audits the body through the ordinary pipeline into a store of its own in a
temporary folder, reads back every row of the run (the run, frontier, pages, bodies, skips,
links, interactions, findings: every table keyed by the run) and returns them. The client,
the batch store's only writer, inserts them with the body's ledger entry in one transaction
(:meth:`dcaudit.batch.ledger.Ledger.put_run`), so a body is either wholly in the store and
marked finished, or not there and audited again on ``--resume``. The rows keep the run's
sequence numbers and compressed page bodies as they are, so the run is the one a single
audit would have stored; its settings are the ones the body gets in the batch.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dcaudit.batch.ledger import DONE, FAILED, INTERRUPTED, UNREACHABLE
from dcaudit.errors import ConfigError, DcauditError, SeedError
from dcaudit.pipeline import run_audit
from dcaudit.resume import stored_settings

CONFIG = "config"  # the batch's settings are wrong for every body: the batch stops
Rows = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]  # table -> (columns, rows)


@dataclass(frozen=True)
class BodyTask:
    name: str
    url: str
    settings: dict[str, Any]  # the body's settings as its run records them


@dataclass(frozen=True)
class BodyResult:
    name: str
    status: str  # DONE, UNREACHABLE, FAILED, INTERRUPTED or CONFIG
    run_id: str | None = None
    detail: str | None = None
    schema: int = 0  # the worker's store schema version
    rows: Rows = field(default_factory=dict)
    pages: int = 0
    seconds: float = 0.0
    worker: str = ""
    peak_rss_mb: float = 0.0  # the worker process's peak so far


def audit_on_worker(task: BodyTask) -> BodyResult:
    """Audit one body in a temporary store of this process and return its rows."""
    started = time.perf_counter()
    recorded = stored_settings(task.settings)
    with tempfile.TemporaryDirectory(prefix="dcaudit-body-") as folder:
        # one browser per worker; nothing written outside the temporary folder
        settings = replace(
            recorded, store=str(Path(folder) / "body.sqlite"), out_dir=folder, browser_workers=1
        )
        status, detail = _audit(settings, task.url)
        schema, run_id, rows = dump_run(settings.store_path, task.settings)
    pages = len(rows["pages"][1]) if "pages" in rows else 0
    return BodyResult(
        name=task.name,
        status=status,
        run_id=run_id,
        detail=detail,
        schema=schema,
        rows=rows if status != INTERRUPTED else {},
        pages=pages,
        seconds=time.perf_counter() - started,
        worker=_worker_name(),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


def _audit(settings: Any, url: str) -> tuple[str, str | None]:
    """How the body's audit ended, as the sequential runner records it."""
    try:
        result = run_audit(settings, [url], given={}, notify=lambda message: None)
    except KeyboardInterrupt:
        return INTERRUPTED, None
    except ConfigError as exc:
        return CONFIG, str(exc)
    except SeedError as exc:
        return UNREACHABLE, str(exc)
    except DcauditError as exc:
        return FAILED, str(exc)
    if any(note.startswith("interrupted") for note in result.run.notes):
        return INTERRUPTED, None
    return DONE, None


def dump_run(path: Path, settings: dict[str, Any]) -> tuple[int, str | None, Rows]:
    """The schema version, the run's id and every row of the one run in store ``path``;
    the run's settings become ``settings`` and it has no owner process."""
    if not path.is_file():
        return 0, None, {}
    db = sqlite3.connect(str(path))
    try:
        schema = int(db.execute("PRAGMA user_version").fetchone()[0])
        found = db.execute("SELECT id FROM runs").fetchall()
        if len(found) != 1:
            return schema, None, {}
        run_id = str(found[0][0])
        rows: Rows = {}
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            columns = tuple(c[1] for c in db.execute(f'PRAGMA table_info("{table}")'))
            key = "id" if table == "runs" else "run_id"
            if key in columns:
                rows[table] = (columns, _select(db, table, columns, key, run_id))
    finally:
        db.close()
    columns, (run,) = rows["runs"]
    patched = dict(zip(columns, run, strict=True))
    patched.update(settings=json.dumps(settings), owner=None)
    rows["runs"] = (columns, [tuple(patched[c] for c in columns)])
    return schema, run_id, rows


def _select(
    db: sqlite3.Connection, table: str, columns: tuple[str, ...], key: str, run_id: str
) -> list[tuple[Any, ...]]:
    names = ", ".join(f'"{c}"' for c in columns)
    query = f'SELECT {names} FROM "{table}" WHERE "{key}"=? ORDER BY rowid'
    return [tuple(row) for row in db.execute(query, (run_id,))]


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"
