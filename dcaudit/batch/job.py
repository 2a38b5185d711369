"""A batch job, and auditing one of its bodies in this process through the ordinary pipeline.

Each body is a normal run in the batch's store (``dcaudit report RUN`` renders it alone),
made with the same per-site settings as every other body. A half-done body is resumed as
``dcaudit audit --resume`` would: its run is known from the ledger or, when the batch was
killed before it could say, from the store (the newest run of the body's URL since the batch
began that no body holds). Both ways of running a batch (one body after another, and a Dask
cluster) use this module.
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from dcaudit.batch.bodies import Body
from dcaudit.batch.ledger import (
    DONE,
    FAILED,
    INTERRUPTED,
    UNREACHABLE,
    Batch,
    BatchBody,
    Ledger,
)
from dcaudit.batch.transfer import BodyResult
from dcaudit.config import Settings
from dcaudit.errors import ConfigError, DcauditError, SeedError
from dcaudit.models import RunStatus
from dcaudit.pipeline import run_audit
from dcaudit.store import Store

Notify = Callable[[str], None]
Observe = Callable[[BatchBody, BodyResult], None]


class BatchInterrupted(Exception):
    """The batch stopped part-way (Ctrl-C, SIGTERM); ``command`` resumes it."""

    def __init__(self, batch_id: str, command: str) -> None:
        super().__init__(f"batch {batch_id} interrupted: resume with {command}")
        self.batch_id = batch_id
        self.command = command


@dataclass(frozen=True)
class BatchJob:
    bodies_file: Path
    bodies: Sequence[Body]
    columns: Sequence[str]
    settings: Settings  # the per-site settings every body gets; out_dir holds the batch
    resume: str | None = None
    workers: int = 1  # 1: one body after another in this process; more: a local Dask cluster
    scheduler: str | None = None  # a Dask scheduler's address: its cluster audits the bodies


def now() -> str:
    """The time as the ledger records it: UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def body_settings(settings: Settings, body: Body, position: int) -> Settings:
    """A body's run settings: the batch's, in the batch store, no per-body report files
    (``dcaudit report RUN --store ...`` writes them when wanted)."""
    slug = re.sub(r"[^a-z0-9]+", "-", body.name.lower()).strip("-")[:40] or "body"
    return replace(
        settings,
        store=str(settings.store_path),
        out_dir=str(Path(settings.out_dir) / "bodies" / f"{position + 1:03d}-{slug}"),
        formats=(),
        fail_on=(),
    )


def resume_command(job: BatchJob, batch_id: str) -> str:
    out = shlex.quote(job.settings.out_dir)
    store = f" --store {shlex.quote(job.settings.store)}" if job.settings.store else ""
    return (
        f"dcaudit batch {shlex.quote(str(job.bodies_file))} --out {out}{store} --resume {batch_id}"
    )


def audit_in_turn(
    job: BatchJob,
    ledger: Ledger,
    batch: Batch,
    entry: BatchBody,
    settings: Settings,
    notify: Notify,
    observe: Observe | None = None,
) -> None:
    """Audit (or resume) one body in this process, directly into the store."""
    started = time.perf_counter()
    done = _audit_body(
        ledger, batch, entry, body_settings(settings, entry.body, entry.position), notify
    )
    notify(f"[{entry.position + 1}/{len(batch.bodies)}] {entry.body.name}: {_said(done)}")
    if observe is not None:
        seconds = time.perf_counter() - started
        observe(done, BodyResult(done.body.name, done.status, done.run_id, seconds=seconds))
    if done.status == INTERRUPTED:
        stop(job, ledger, batch)


def stop(job: BatchJob, ledger: Ledger, batch: Batch) -> NoReturn:
    ledger.set_status(batch.id, INTERRUPTED, now())
    raise BatchInterrupted(batch.id, resume_command(job, batch.id))


def _said(entry: BatchBody) -> str:
    return entry.status + (f" ({entry.detail})" if entry.detail else "")


def _audit_body(
    ledger: Ledger, batch: Batch, entry: BatchBody, settings: Settings, notify: Notify
) -> BatchBody:
    """Run (or resume) one body's audit and record how it ended."""
    run_id = entry.run_id or orphan_run(ledger, settings, batch, entry.body.url)
    status, detail = DONE, None
    if run_id is not None and _finished_run(settings, run_id):
        return _record(ledger, batch, entry, DONE, run_id, None)
    try:
        result = run_audit(
            settings,
            [entry.body.url],
            resume_run_id=run_id,
            given={},
            notify=lambda message: notify(f"  {entry.body.name}: {message}"),
        )
        run_id = result.run.id
        if any(note.startswith("interrupted") for note in result.run.notes):
            status = INTERRUPTED
    except KeyboardInterrupt:
        run_id = run_id or orphan_run(ledger, settings, batch, entry.body.url)
        return _record(ledger, batch, entry, INTERRUPTED, run_id, None)
    except ConfigError:
        raise  # the batch's settings are wrong for every body alike
    except SeedError as exc:
        status, detail = UNREACHABLE, str(exc)
    except DcauditError as exc:
        status, detail = FAILED, str(exc)
    if status in (UNREACHABLE, FAILED):
        run_id = run_id or orphan_run(ledger, settings, batch, entry.body.url)
    return _record(ledger, batch, entry, status, run_id, detail)


def _record(
    ledger: Ledger,
    batch: Batch,
    entry: BatchBody,
    status: str,
    run_id: str | None,
    detail: str | None,
) -> BatchBody:
    ledger.set_body(batch.id, entry.body.name, status, run_id, detail)
    return replace(entry, status=status, run_id=run_id, detail=detail)


def _finished_run(settings: Settings, run_id: str) -> bool:
    """A run that ended on its own (killed after it finished, before the ledger said so)."""
    with Store(settings.store_path, create=False) as store:
        run = store.get_run(run_id)
    interrupted = any(note.startswith("interrupted") for note in run.notes)
    return run.status in (RunStatus.COMPLETE, RunStatus.PARTIAL) and not interrupted


def orphan_run(ledger: Ledger, settings: Settings, batch: Batch, url: str) -> str | None:
    """The newest run of ``url`` since the batch began that no body holds: the run a
    killed batch started for this body."""
    claimed = ledger.claimed_runs()
    with Store(settings.store_path, create=False) as store:
        runs = [
            run
            for run in store.list_runs()
            if run.seeds == (url,) and run.started >= batch.started and run.id not in claimed
        ]
    return runs[-1].id if runs else None
