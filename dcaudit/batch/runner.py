"""Run a batch: a new one, or the one ``--resume`` names, its bodies audited one after another
in this process (dcaudit.batch.job) or on a Dask cluster (dcaudit.batch.cluster).

``--resume`` skips finished bodies and resumes a half-done one as ``dcaudit audit --resume``
would.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from dcaudit.batch.job import BatchJob, Notify, Observe, audit_in_turn, now
from dcaudit.batch.ledger import DONE, FINISHED, PENDING, RUNNING, Batch, BatchBody, Ledger
from dcaudit.errors import ConfigError
from dcaudit.pipeline import new_run_id
from dcaudit.resume import stored_settings
from dcaudit.store import Store


def run_batch(job: BatchJob, notify: Notify, observe: Observe | None = None) -> Batch:
    """Audit every body not yet finished; the batch as stored at the end. Raises
    BatchInterrupted when stopped part-way (what was done is stored). ``observe`` is told
    how each body audited now ended, with its time (and, on a cluster, its pages and the
    worker's memory)."""
    path = job.settings.store_path
    Store(path).close()  # creates the store (and its folder) the runs and the ledger share
    with Ledger(path) as ledger:
        batch = _open_batch(job, ledger, notify)
        settings = stored_settings(batch.settings)
        settings = replace(settings, out_dir=job.settings.out_dir, store=job.settings.store)
        ledger.set_status(batch.id, RUNNING, None)
        if job.scheduler or job.workers > 1:
            from dcaudit.batch.cluster import run_on_cluster

            run_on_cluster(job, ledger, batch, settings, notify, observe)
        else:
            for entry in batch.bodies:
                if entry.status not in FINISHED:
                    audit_in_turn(job, ledger, batch, entry, settings, notify, observe)
        ledger.set_status(batch.id, DONE, now())
        return ledger.get(batch.id)


def _open_batch(job: BatchJob, ledger: Ledger, notify: Notify) -> Batch:
    """A new batch, or the one --resume names (its bodies must be the file's)."""
    if job.resume is None:
        started = now()
        batch = Batch(
            id="b" + new_run_id(datetime.now(UTC)),
            started=started,
            status=PENDING,
            source=job.bodies_file.name,
            columns=tuple(job.columns),
            settings=job.settings.to_dict(),
            bodies=tuple(BatchBody(body, n) for n, body in enumerate(job.bodies)),
        )
        ledger.create(batch)
        notify(f"batch {batch.id}: {len(batch.bodies)} bodies")
        return batch
    batch = ledger.get(job.resume)
    listed = [(b.body.name, b.body.url) for b in batch.bodies]
    if listed != [(b.name, b.url) for b in job.bodies]:
        raise ConfigError(
            f"{job.bodies_file} does not list the bodies of batch {batch.id} "
            f"({len(listed)} bodies from {batch.source}): give the same file to resume it"
        )
    left = sum(1 for b in batch.bodies if b.status not in FINISHED)
    notify(f"resuming batch {batch.id}: {len(batch.bodies) - left} bodies done, {left} to go")
    return batch


def batch_settings(given: dict[str, Any]) -> dict[str, Any]:
    """Settings every batch defaults to (given values win)."""
    return {"out_dir": "reports/batch", **given}
