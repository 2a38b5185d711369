"""Bodies as tasks on Dask distributed: a local cluster sized to the machine, or the
scheduler ``--scheduler tcp://HOST:8786`` names.

Each worker has one thread and audits one body at a time with at most one browser, and a
local cluster never has more workers than the machine has cores, so never more browsers
than cores. Workers return rows (:mod:`dcaudit.batch.transfer`); this process alone writes
them to the store. Politeness holds across workers: at most one body of a host (``www.``
aside, port included, as the crawler counts hosts) is audited at a time, so per-host delay,
concurrency and robots.txt are one crawl's; bodies of other hosts fill the free workers.
Bodies are handed out as workers free up, never queued far ahead, so a result waits for no
one and memory does not grow with the number of bodies.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dcaudit.batch.job import (
    BatchJob,
    Notify,
    Observe,
    audit_in_turn,
    body_settings,
    orphan_run,
    stop,
)
from dcaudit.batch.ledger import FAILED, FINISHED, INTERRUPTED, Batch, BatchBody, Ledger
from dcaudit.batch.transfer import CONFIG, BodyResult, BodyTask, audit_on_worker
from dcaudit.config import Settings
from dcaudit.crawl.frontier import host_of
from dcaudit.errors import ConfigError

INSTALL = "pip install 'dcaudit[batch]'"


def dask_available() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def local_workers(asked: int | None, scheduler: str | None, say: Notify) -> int:
    """How many workers a local cluster gets: as asked, at most one per core; one per
    core by default, or 1 (no Dask) when Dask is not installed."""
    if scheduler:
        if not dask_available():
            raise ConfigError(f"--scheduler needs Dask: {INSTALL}")
        return 1
    have = cores()
    if asked is None:
        return have if dask_available() else 1
    if asked > have:
        say(f"note: --workers {asked} lowered to {have}: one browser per worker, one per core")
        return have
    return asked


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A client of the scheduler given, or of a local cluster of ``workers`` processes."""
    if not dask_available():
        raise ConfigError(f"batches on several workers need Dask: {INSTALL}")
    from distributed import Client, LocalCluster

    # the scheduler of a local cluster runs in this process: its INFO lines are not ours
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
        with client:
            yield client
        return
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # None would still bind port 8787
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def politeness_key(url: str) -> str:
    """Bodies with the same key are never audited at the same time."""
    host = host_of(url.lower())
    return host.removeprefix("www.")


@dataclass
class _Running:
    entry: BatchBody
    key: str
    started: float


class Dispatcher:
    """Hands bodies to the cluster as workers free up, one per host at a time."""

    def __init__(self, client: Any, tasks: Sequence[tuple[BatchBody, BodyTask]]) -> None:
        from distributed import as_completed

        self.client = client
        self.waiting = list(tasks)
        self.running: dict[Any, _Running] = {}
        self.completed = as_completed()  # type: ignore[no-untyped-call]

    def results(self) -> Iterator[tuple[BatchBody, BodyResult]]:
        """Each body's result as it arrives; the bodies left are cancelled when stopped."""
        try:
            self._hand_out()
            for future in self.completed:
                running = self.running.pop(future)
                yield running.entry, self._result(future, running)
                self._hand_out()
        finally:
            for future in self.running:
                future.cancel()

    def slowest_running(self, count: int = 3) -> list[tuple[str, float]]:
        now = time.perf_counter()
        ages = sorted((now - r.started, r.entry.body.name) for r in self.running.values())
        return [(name, age) for age, name in reversed(ages[-count:])]

    def _hand_out(self) -> None:
        slots = max(1, sum(self.client.nthreads().values())) - len(self.running)
        busy = {r.key for r in self.running.values()}
        for item in list(self.waiting):
            if slots <= 0:
                break
            entry, task = item
            key = politeness_key(task.url)
            if key in busy:
                continue
            future = self.client.submit(
                audit_on_worker, task, pure=False, key=f"body-{entry.position}-{time.time_ns()}"
            )
            self.running[future] = _Running(entry, key, time.perf_counter())
            self.completed.add(future)  # type: ignore[no-untyped-call]
            self.waiting.remove(item)
            busy.add(key)
            slots -= 1

    @staticmethod
    def _result(future: Any, running: _Running) -> BodyResult:
        try:
            result: BodyResult = future.result()
        except Exception as exc:  # the worker died or the task could not run
            return BodyResult(
                name=running.entry.body.name,
                status=FAILED,
                detail=f"the worker auditing it failed: {type(exc).__name__}: {exc}",
                seconds=time.perf_counter() - running.started,
            )
        return result


def run_on_cluster(
    job: BatchJob,
    ledger: Ledger,
    batch: Batch,
    settings: Settings,
    notify: Notify,
    observe: Observe | None,
) -> None:
    """Every body not finished, on the cluster; a body a stopped batch left half-done is
    carried on here first, in this process, as ``--resume`` would with one worker."""
    tasks = []
    for entry in batch.bodies:
        if entry.status in FINISHED:
            continue
        own = body_settings(settings, entry.body, entry.position)
        if entry.run_id or orphan_run(ledger, own, batch, entry.body.url):
            audit_in_turn(job, ledger, batch, entry, settings, notify, observe)
        else:
            tasks.append((entry, BodyTask(entry.body.name, entry.body.url, own.to_dict())))
    if not tasks:
        return
    with dask_client(job.workers, job.scheduler) as client:
        workers = len(client.nthreads())
        notify(f"{len(tasks)} bodies on {workers} Dask workers ({client.scheduler.address})")
        tally = _Tally(len(batch.bodies), len(batch.bodies) - len(tasks))
        dispatcher = Dispatcher(client, tasks)
        try:
            for entry, result in dispatcher.results():
                if result.status == CONFIG:
                    raise ConfigError(result.detail or "the batch's settings are wrong")
                if result.status == INTERRUPTED:
                    stop(job, ledger, batch)
                ended = (result.status, result.run_id, result.detail)
                ledger.put_run(batch.id, entry.body.name, ended, result.schema, result.rows)
                if observe is not None:
                    observe(entry, result)
                notify(tally.line(entry, result, dispatcher.slowest_running()))
        except KeyboardInterrupt:
            stop(job, ledger, batch)
        notify(tally.slowest_line())


class _Tally:
    """Bodies done, pages, and the slowest bodies, for the progress lines."""

    def __init__(self, total: int, done: int) -> None:
        self.total, self.done, self.pages = total, done, 0
        self.times: list[tuple[float, str]] = []

    def line(self, entry: BatchBody, result: BodyResult, running: list[tuple[str, float]]) -> str:
        self.done += 1
        self.pages += result.pages
        self.times.append((result.seconds, entry.body.name))
        said = result.status + (f" ({result.detail})" if result.detail else "")
        line = (
            f"[{self.done}/{self.total}] {entry.body.name}: {said}; {result.pages} pages in "
            f"{result.seconds:.1f} s; {self.pages} pages in all"
        )
        if running:
            line += "; slowest running: " + ", ".join(f"{n} {s:.0f} s" for n, s in running)
        return line

    def slowest_line(self) -> str:
        slowest = sorted(self.times, reverse=True)[:3]
        return "slowest bodies: " + ", ".join(f"{name} {s:.1f} s" for s, name in slowest)
