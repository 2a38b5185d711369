"""A batch of generated bodies, end to end: audit one after another and on a local Dask
cluster of 1 and 2 workers, compare, report.

    .venv/bin/python benchmarks/batch.py [--bodies 50] [--max-pages 40] [--workers 1,2]

Serves N small generated body sites on 127.0.0.1 (dcaudit.demo.bodies, a mix of
applications, consultations and paper forms each), writes their bodies.csv and runs the
batch without the browser and with no politeness delay: first with Dask on each number of
workers asked for (a fresh local cluster each, its start-up counted in the wall time and
shown apart), then one body after another in this process, whose per-body times added up
are the sum of single runs. Prints the wall times, the peak memory of this process (the
client, which also serves the sites and writes the store) and of each worker as bodies are
added, the store size, and the time of the comparison.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dcaudit.batch.bodies import read_bodies
from dcaudit.batch.compare import RESAMPLES, comparison
from dcaudit.batch.job import BatchJob
from dcaudit.batch.ledger import BatchBody
from dcaudit.batch.runner import run_batch
from dcaudit.batch.transfer import BodyResult
from dcaudit.config import load_settings
from dcaudit.demo.bodies import BodySite, GeneratedBodies
from dcaudit.report.comparison import write_comparison


def specs(count: int) -> list[BodySite]:
    return [
        BodySite(
            f"Body {n:03d}",
            information=2 + n % 3,
            applications=n % 4,
            consultations=n % 3,
            paper_forms=(n + 1) % 3,
        )
        for n in range(count)
    ]


def client_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Measure:
    """What one batch run showed, body by body."""

    checkpoints: tuple[int, ...]
    done: int = 0
    body_seconds: float = 0.0
    pages: int = 0
    client: dict[int, float] = field(default_factory=dict)  # bodies done -> peak MB
    workers: dict[str, dict[int, float]] = field(default_factory=lambda: defaultdict(dict))

    def observe(self, entry: BatchBody, result: BodyResult) -> None:
        self.done += 1
        self.body_seconds += result.seconds
        self.pages += result.pages
        if result.worker:
            self.workers[result.worker][self.done] = result.peak_rss_mb
        if self.done in self.checkpoints:
            self.client[self.done] = client_mb()


def run(
    folder: Path, csv_path: Path, max_pages: int, marks: tuple[int, ...], scheduler: str | None
) -> tuple[Measure, float, Path, str]:
    """One batch of every body: on the cluster at ``scheduler``, or one after another."""
    bodies, columns = read_bodies(csv_path)
    settings = load_settings(
        {
            "out_dir": str(folder / f"out-{len(list(folder.iterdir()))}"),
            "delay": 0.0,
            "browser": False,
            "max_pages": max_pages,
        },
        environ={},
        cwd=folder,
    )
    measure = Measure(marks)
    started = time.perf_counter()
    job = BatchJob(csv_path, bodies, columns, settings, workers=1, scheduler=scheduler)
    batch = run_batch(job, lambda message: None, measure.observe)
    return measure, time.perf_counter() - started, settings.store_path, batch.id


def report(label: str, measure: Measure, wall: float, store: Path) -> None:
    pages = f"; {measure.pages} pages" if measure.pages else ""
    print(f"{label}: wall {wall:.1f} s{pages}")
    marks = sorted(measure.client)
    shown = ", ".join(f"{n}: {measure.client[n]:.0f}" for n in marks)
    print(f"  client peak RSS MB after bodies {shown}")
    for worker, peaks in sorted(measure.workers.items()):
        seen = [
            max(p for n, p in peaks.items() if n <= mark) for mark in marks if min(peaks) <= mark
        ]
        listed = ", ".join(f"{p:.0f}" for p in seen)
        print(f"  worker {worker} ({len(peaks)} bodies) peak RSS MB at the same points: {listed}")
    print(f"  store {store.stat().st_size / 1e6:.1f} MB")


def on_cluster(
    folder: Path, csv_path: Path, max_pages: int, marks: tuple[int, ...], workers: int
) -> None:
    from distributed import LocalCluster

    began = time.perf_counter()
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        start_up = time.perf_counter() - began
        measure, wall, store, _ = run(folder, csv_path, max_pages, marks, cluster.scheduler_address)
    report(f"Dask, {workers} worker(s) (start-up {start_up:.1f} s apart)", measure, wall, store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=50)
    parser.add_argument("--max-pages", type=int, default=40)
    parser.add_argument("--workers", default="1,2", help="Dask worker counts to try")
    args = parser.parse_args()
    marks = tuple(sorted({max(1, args.bodies // 5), max(1, args.bodies // 2), args.bodies}))
    with tempfile.TemporaryDirectory() as name, GeneratedBodies(specs(args.bodies)) as served:
        folder = Path(name)
        csv_path = folder / "bodies.csv"
        rows = [
            f"{body},{url},{'even' if n % 2 else 'odd'}"
            for n, (body, url) in enumerate(served.urls.items())
        ]
        csv_path.write_text("name,url,group\n" + "\n".join(rows) + "\n", encoding="utf-8")
        print(f"bodies {args.bodies}, at most {args.max_pages} pages each (no browser, delay 0)")
        for count in sorted({int(n) for n in args.workers.split(",")}):
            on_cluster(folder, csv_path, args.max_pages, marks, count)
        measure, wall, store, batch_id = run(folder, csv_path, args.max_pages, marks, None)
        report("one after another in this process, no Dask", measure, wall, store)
        print(f"  sum of single runs (each body's audit time): {measure.body_seconds:.1f} s")
        begun = time.perf_counter()
        data = comparison(store, batch_id)
        write_comparison(data, ("html", "csv", "json"), folder)
        took = time.perf_counter() - begun
        print(f"comparison, {RESAMPLES} bootstrap rounds, every format: {took:.2f} s")


if __name__ == "__main__":
    main()
