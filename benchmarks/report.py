"""Report benchmark: render a large synthetic run and open the HTML in headless Chromium.

    .venv/bin/python benchmarks/report.py [--pages 5000] [--findings 50000] [--no-browser]

Builds a run in a temporary SQLite store (pages, four interactions per page, the findings
spread over forty rules, a third of them attached to interactions), then prints the time to
load it, the time and size of every format, and how long Chromium takes to load report.html.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from dcaudit.models import (
    MODE_OF_CLASS,
    Evidence,
    Finding,
    FourCo,
    Impact,
    Interaction,
    InteractionClass,
    Kind,
    Mode,
    Outcome,
    Page,
    Risk,
    RiskFactor,
    Run,
    RunStats,
    RunStatus,
    Source,
)
from dcaudit.report import write_report_data
from dcaudit.report.data import load_report_data
from dcaudit.store import Store

SITE = "https://www.example-borough.gov.uk"
CLASSES = list(InteractionClass)
IMPACTS = list(Impact)
SOURCES = (Source.AXE, Source.AXE, Source.AXE, Source.STATIC, Source.EXCLUSION, Source.SECURITY)
RULES = [
    (f"axe/rule-{n}" if n < 30 else f"DCX{n:03d}", SOURCES[n % len(SOURCES)]) for n in range(40)
]


def build_run(store: Store, pages: int, findings: int, seed: int = 7) -> str:
    """Write a synthetic run into ``store`` page by page, as the pipeline does; returns its id."""
    rng = random.Random(seed)
    run = Run(
        id="bench",
        started="2026-01-01T00:00:00Z",
        finished="2026-01-01T03:00:00Z",
        seeds=(SITE + "/",),
        settings={"max_pages": pages, "max_depth": 10},
        status=RunStatus.COMPLETE,
        stats=RunStats(pages_fetched=pages, browser_checked=pages // 2),
        tool={"name": "dcaudit", "version": "bench", "axe_core": "4.14.1"},
    )
    store.create_run(run)
    per_page, extra = divmod(findings, pages)
    for p in range(pages):
        url = f"{SITE}/services/section-{p // 100}/page-{p}"
        page = Page(
            url,
            url,
            200,
            "text/html",
            rng.randint(20_000, 3_000_000),
            p % 6,
            "en",
            f"Service page {p}",
            browser_checked=p % 2 == 0,
            reading_grade=round(rng.uniform(4, 16), 1),
        )
        interactions = [_interaction(rng, url, p, k) for k in range(4)]
        page_findings = [
            _finding(rng, url, p, n, interactions[n % 4].id if n % 3 == 0 else None)
            for n in range(per_page + (1 if p < extra else 0))
        ]
        store.save_page(run.id, page, interactions=interactions, findings=page_findings)
    return run.id


def _interaction(rng: random.Random, url: str, p: int, k: int) -> Interaction:
    cls = CLASSES[(p + k) % len(CLASSES)]
    return Interaction(
        id=hashlib.sha256(f"{url} {k}".encode()).hexdigest()[:12],
        page=url,
        kind=Kind.FORM,
        label=f"Apply for service {p}-{k}",
        selector=f"form:nth-of-type({k + 1})",
        target=f"{url}/submit",
        method="post",
        interaction_class=cls,
        mode=MODE_OF_CLASS[cls],
        four_cos=(FourCo.CO_DELIVERY,) if MODE_OF_CLASS[cls] is Mode.TWO_WAY else (),
        confidence=0.8,
        evidence=(Evidence("DCC020", "structured form", "fieldset"),),
        risk=Risk(round(rng.uniform(0, 80), 1), (RiskFactor("serious_violation", 12.0, "x"),)),
    )


def _finding(rng: random.Random, url: str, p: int, n: int, interaction: str | None) -> Finding:
    rule, source = RULES[rng.randrange(len(RULES))]
    return Finding(
        id=f"f-{p}-{n}",
        fingerprint=hashlib.sha256(f"{rule} {p} {n}".encode()).hexdigest()[:16],
        rule=rule,
        source=source,
        outcome=Outcome.NEEDS_REVIEW if n % 7 == 0 else Outcome.VIOLATION,
        impact=IMPACTS[rng.randrange(len(IMPACTS))],
        page=url,
        message=f"{rule} failed: what is wrong, why it matters and how to fix it.",
        wcag=("wcag2a", "wcag412"),
        selector=f"main > div:nth-child({n + 1})",
        snippet=f'<div class="card-{n}"><a href="/x">Read more</a></div>',
        interaction=interaction,
        help_url="https://dequeuniversity.com/rules/axe/4.14/x",
    )


def chromium_load(path: Path) -> tuple[float, float]:
    """(wall seconds for the navigation, loadEventEnd in ms) of a local file in Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        options=options, service=Service(executable_path=shutil.which("chromedriver"))
    )
    try:
        driver.get("about:blank")
        started = time.perf_counter()
        driver.get(path.as_uri())
        wall = time.perf_counter() - started
        load_ms = driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].loadEventEnd"
        )
        return wall, float(load_ms)
    finally:
        driver.quit()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render a large synthetic run; time it.")
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--findings", type=int, default=50_000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Store(folder / "bench.sqlite") as store:
            started = time.perf_counter()
            run_id = build_run(store, args.pages, args.findings)
            print(
                f"built run: {args.pages} pages, {args.findings} findings "
                f"in {time.perf_counter() - started:.1f} s"
            )
            started = time.perf_counter()
            data = load_report_data(store, run_id)
            print(
                f"load_report_data: {time.perf_counter() - started:.2f} s "
                f"({len(data.interactions)} interactions)"
            )
        # CPU time as well as wall time: on a shared machine the wall clock says little
        print("format   wall s   cpu s      size  files")
        for fmt in ("html", "json", "csv", "junit", "sarif", "md"):
            started, cpu = time.perf_counter(), time.process_time()
            paths = write_report_data(data, [fmt], folder / "out")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            size = sum(p.stat().st_size for p in paths)
            names = ", ".join(p.name for p in paths)
            print(f"{fmt:6s} {elapsed:8.2f} {cpu:7.2f} {size / 1_000_000:7.2f} MB  {names}")
        if not args.no_browser:
            if shutil.which("chromedriver") is None:
                print("chromedriver not found on PATH: browser load time not measured")
                return 1
            wall, load_ms = chromium_load(folder / "out" / "report.html")
            print(f"chromium: report.html loaded in {wall:.2f} s (loadEventEnd {load_ms:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
