"""The whole audit of the bundled demo site, end to end, with and without the browser.

    .venv/bin/python benchmarks/demo_audit.py [--rounds 2]

Runs in-process, each round: (a) crawl, classify, static, exclusion and security checks,
score and every report format, no browser (the floor); (b) the same plus the browser pass
(axe-core in Chromium). Prints the best round of each, pages per second and the ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from dcaudit.config import load_settings
from dcaudit.demo import DemoServer
from dcaudit.pipeline import run_audit


def audit(browser: bool) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            {"out_dir": folder, "delay": 0.0, "browser": browser, "required_languages": "cy"},
            environ={},
            cwd=Path(folder),
        )
        with DemoServer() as server:
            started = time.perf_counter()
            result = run_audit(settings, [server.url])
            seconds = time.perf_counter() - started
    return seconds, result.run.stats.pages_fetched, result.run.stats.browser_checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    static = min(audit(browser=False) for _ in range(args.rounds))
    full = min(audit(browser=True) for _ in range(args.rounds))
    rate = static[1] / static[0]
    print(f"(a) static audit : {static[1]} pages in {static[0]:.2f} s = {rate:.1f} pages/s")
    print(
        f"(b) full audit   : {full[1]} pages in {full[0]:.2f} s = {full[1] / full[0]:.1f} pages/s"
        f" ({full[2]} through axe-core in Chromium)"
    )
    print(f"full / static time: {full[0] / static[0]:.1f}x")


if __name__ == "__main__":
    main()
