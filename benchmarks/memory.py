"""Peak memory of a whole ``dcaudit audit`` of a large generated site, reports included.

    .venv/bin/python benchmarks/memory.py [--pages 100000] [--concurrency 8]

A separate process serves benchmarks/crawl.py's generated site of N linked pages (15-30 KB
of HTML each) on 127.0.0.1. dcaudit then audits it as a user would, in a process of its
own: ``dcaudit audit URL --no-browser --delay 0`` with room for every page, writing the
default reports into a temporary folder. Its resident memory is read from /proc every 0.2
seconds, split at the moment the first report file appears (before it: the crawl with
every page's checks, site checks, scoring and reading the run back for the reports; after
it: writing the reports); the peak over its whole life comes
from the kernel (the largest resident size of the waited-for child), so no short peak is
missed between two readings.

Target: peak RSS under 300 MB at 100,000 pages. It takes a while (a 20,000-page run is a
quick check); it is not run by the tests.

    .venv/bin/python benchmarks/memory.py --store FILE [--copies 5]

measures the stages after the crawl alone, quicker than a whole audit: a copy of a stored
run (one this benchmark's audit left, say), ``--copies`` times over at URLs and ids of
their own, scored again and every default report written, in a process of its own (site
findings are scored as page findings there: the figures are about memory).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crawl import serve  # the generated site of the crawl benchmark

TARGET_MB = 300


def resident_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def _files(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []


def audit(base: str, pages: int, concurrency: int, out: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "dcaudit", "audit", base + "/", "--no-browser"]
    command += ["--delay", "0", "--concurrency", str(concurrency), "-q", "--out", str(out)]
    command += ["--max-pages", str(pages + 100), "--max-depth", "100"]
    start = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    crawl_peak = report_peak = 0.0
    reports_from: float | None = None
    samples: list[tuple[float, float]] = []
    while child.poll() is None:
        now = resident_mb(child.pid) or 0.0
        samples.append((time.monotonic() - start, now))
        if reports_from is None and any(not f.name.startswith("dcaudit.") for f in _files(out)):
            reports_from = samples[-1][0]
        if reports_from is None:
            crawl_peak = max(crawl_peak, now)
        else:
            report_peak = max(report_peak, now)
        time.sleep(0.2)
    for at, mb in samples[:: max(1, len(samples) // 12)]:
        print(f"  at {at:6.0f} s: {mb:5.0f} MB")
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"dcaudit exited {child.returncode}:\n{stderr[-3000:]}")
    fetched = next((line for line in stdout.splitlines() if line.startswith("pages fetched")), "")
    return {
        "seconds": time.monotonic() - start,
        "reports_from": reports_from or 0.0,
        "crawl_peak": crawl_peak,
        "report_peak": report_peak,
        "peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "fetched": float(fetched.split(",")[0].split()[-1]) if fetched else 0.0,
    }


RESCORE = """
import resource, sys, time
from pathlib import Path
from dcaudit.config import DEFAULT_FORMATS
from dcaudit.engine.packs import load_packs
from dcaudit.report import write_reports
from dcaudit.score import load_weights, score_run
from dcaudit.store import Store
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
store = Store(sys.argv[1]); run_id = store.list_runs()[-1].id; start = time.monotonic()
score_run(store, run_id, load_weights(load_packs(())), [])
print(f"scored in {time.monotonic() - start:.0f} s, peak RSS {peak():.0f} MB")
write_reports(store, run_id, DEFAULT_FORMATS, Path(sys.argv[2]))
print(f"scored and reported in {time.monotonic() - start:.0f} s, peak RSS {peak():.0f} MB")
"""


def copy_run(source: Path, target: Path, copies: int) -> None:
    """``source``'s last run into ``target``, its pages, interactions and findings
    ``copies`` times over, each copy at URLs (``?copy=K``) and ids of its own."""
    shutil.copyfile(source, target)
    db = sqlite3.connect(target)
    run_id = db.execute("SELECT id FROM runs ORDER BY started DESC").fetchone()[0]
    for table in ("pages", "interactions", "findings"):
        top = db.execute(f"SELECT MAX(seq) FROM {table} WHERE run_id=?", (run_id,)).fetchone()[0]
        rows = db.execute(f"SELECT * FROM {table} WHERE run_id=?", (run_id,)).fetchall()
        marks = ",".join("?" * len(rows[0])) if rows else ""
        for k in range(1, copies):
            moved = [_moved(table, row, k, top) for row in rows]
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", moved)
        db.commit()
    db.close()


def _moved(table: str, row: tuple[Any, ...], k: int, top: int) -> tuple[Any, ...]:
    data = json.loads(row[-1])
    if table == "pages":
        data["url"] += f"?copy={k}"
        data["final_url"] = data["final_url"] and data["final_url"] + f"?copy={k}"
        return (row[0], data["url"], row[2] + k * top, json.dumps(data))
    data["id"], data["page"] = f"{row[1]}-{k}", f"{row[2]}?copy={k}"
    if table == "interactions":
        data["finding_ids"] = [f"{f}-{k}" for f in data.get("finding_ids", ())]
    elif data.get("interaction"):
        data["interaction"] += f"-{k}"
    return (row[0], data["id"], data["page"], row[3] + k * top, json.dumps(data))


def rescore(store: Path, copies: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "dcaudit.sqlite"
        copy_run(store, copy, copies)
        pages = sqlite3.connect(copy).execute("SELECT COUNT(*) FROM pages").fetchone()[0]
        print(f"{pages} pages; scoring again and writing the default reports")
        command = [sys.executable, "-c", RESCORE, str(copy), str(Path(folder) / "out")]
        subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--store", type=Path, help="score and report a stored run again")
    parser.add_argument("--copies", type=int, default=1, help="with --store: copies of it")
    args = parser.parse_args()
    if args.store:
        rescore(args.store, args.copies)
        return
    context = multiprocessing.get_context("spawn")
    port_queue = context.Queue()
    server = context.Process(target=serve, args=(args.pages, port_queue), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{port_queue.get(timeout=30)}"
        print(f"site: {args.pages} pages at {base}; dcaudit audit --no-browser --delay 0")
        with tempfile.TemporaryDirectory() as folder:
            result = audit(base, args.pages, args.concurrency, Path(folder) / "out")
            written = sum(f.stat().st_size for f in (Path(folder) / "out").iterdir())
    finally:
        server.terminate()
        server.join()
    print(
        f"{result['fetched']:.0f} pages in {result['seconds']:.0f} s "
        f"({result['fetched'] / result['seconds']:.0f} pages/s), reports from "
        f"{result['reports_from']:.0f} s; store and reports {written / 1e6:.0f} MB"
    )
    print(f"RSS before the first report file: up to {result['crawl_peak']:.0f} MB")
    print(f"RSS while writing the reports: up to {result['report_peak']:.0f} MB")
    verdict = "within" if result["peak"] < TARGET_MB else "OVER"
    print(f"peak RSS of dcaudit: {result['peak']:.0f} MB ({verdict} the target of {TARGET_MB} MB)")


if __name__ == "__main__":
    main()
