"""A batch of generated bodies, end to end: audit, compare, report.

    .venv/bin/python benchmarks/batch.py [--bodies 50] [--max-pages 40]

Serves N small generated body sites on 127.0.0.1 (dcaudit.demo.bodies, a mix of
applications, consultations and paper forms each), writes their bodies.csv, runs
``dcaudit batch`` in-process without the browser and with no politeness delay, and prints
the wall time (audit and comparison apart), the time per body, peak RSS and the store size.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from dcaudit.batch.bodies import read_bodies
from dcaudit.batch.compare import RESAMPLES, comparison
from dcaudit.batch.runner import BatchJob, run_batch
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=50)
    parser.add_argument("--max-pages", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, GeneratedBodies(specs(args.bodies)) as served:
        csv_path = Path(folder) / "bodies.csv"
        rows = [
            f"{name},{url},{'even' if n % 2 else 'odd'}"
            for n, (name, url) in enumerate(served.urls.items())
        ]
        csv_path.write_text("name,url,group\n" + "\n".join(rows) + "\n", encoding="utf-8")
        bodies, columns = read_bodies(csv_path)
        settings = load_settings(
            {"out_dir": folder, "delay": 0.0, "browser": False, "max_pages": args.max_pages},
            environ={},
            cwd=Path(folder),
        )
        started = time.perf_counter()
        batch = run_batch(BatchJob(csv_path, bodies, columns, settings), lambda message: None)
        audited = time.perf_counter() - started
        data = comparison(settings.store_path, batch.id)
        write_comparison(data, ("html", "csv", "json"), Path(folder))
        compared = time.perf_counter() - started - audited
        pages = sum(r["coverage"]["pages_reached"] for r in data["league"])
        size = settings.store_path.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bodies {args.bodies}, pages {pages} (no browser, delay 0)")
    per_body = audited / args.bodies
    print(f"audit {audited:.1f} s ({per_body:.2f} s per body, {pages / audited:.0f} pages/s)")
    print(f"comparison with {RESAMPLES} bootstrap rounds and every format: {compared:.2f} s")
    print(f"peak RSS {peak:.0f} MB; store {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
