"""Instructions per page of dcaudit's crawl and of the bare httpx loop, counted by valgrind.

    .venv/bin/python benchmarks/crawl_instructions.py [--small 300] [--large 900]

Timed ratios (benchmarks/crawl.py) drift on a shared machine; instruction counts barely
move. Each side runs under ``valgrind --tool=cachegrind --cache-sim=no`` against a site of
SMALL pages and one of LARGE pages (served as in crawl.py); the difference divided by
LARGE - SMALL is the cost of one page with start-up and imports taken out. Needs valgrind
(Debian: ``apt-get install valgrind``); takes a few minutes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from crawl import serve  # type: ignore[import-not-found]

BENCHMARK = Path(__file__).with_name("crawl.py")
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions(kind: str, base: str, pages: int) -> int:
    """Instructions one child run of crawl.py executes (the whole process)."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        str(BENCHMARK),
        "--child",
        kind,
        "--base",
        base,
        "--pages",
        str(pages),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    match = _REFS.search(done.stderr)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"{kind} run under valgrind failed:\n{done.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--large", type=int, default=900)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    if args.large <= args.small:
        raise SystemExit("--large must be more pages than --small")
    context = multiprocessing.get_context("spawn")
    servers, bases = [], {}
    try:
        for size in (args.small, args.large):
            port_queue = context.Queue()
            server = context.Process(target=serve, args=(size, port_queue), daemon=True)
            server.start()
            servers.append(server)
            bases[size] = f"http://127.0.0.1:{port_queue.get(timeout=30)}"
        per_page: dict[str, float] = {}
        with ThreadPoolExecutor(max_workers=2) as pool:  # the two sizes side by side
            for kind in ("bare", "crawl"):
                small, large = pool.map(
                    lambda size, kind=kind: instructions(kind, bases[size], size),
                    (args.small, args.large),
                )
                per_page[kind] = (large - small) / (args.large - args.small)
    finally:
        for server in servers:
            server.terminate()
            server.join()
    bare, crawl = per_page["bare"], per_page["crawl"]
    print(f"instructions per page, {args.small} and {args.large} pages:")
    print(f"bare httpx loop : {bare / 1e6:.2f} M")
    print(f"dcaudit crawl() : {crawl / 1e6:.2f} M")
    print(f"ratio bare/crawl: {bare / crawl:.2f}x (target for the pages/s ratio >= 0.80x)")


if __name__ == "__main__":
    main()
