"""A whole dcaudit audit against the bare floor: Selenium + axe-core, one browser, no crawl.

    .venv/bin/python benchmarks/audit.py [--act ACT_RULES_DIR] [--pages DIR] [--runs 3]

A separate process serves, on 127.0.0.1, the bundled demo site and the folders given:
``--act`` a copy of the W3C ACT Rules test cases (the folder holding ``testcases.json``,
``testcases/`` and ``test-assets/``, served where its pages expect it), ``--pages`` any
folder of saved ``.html`` pages (for example real public-sector pages). The page set is
the demo's pages (found by a static crawl first, not timed), ``--act-cases`` HTML test
cases and ``--page-count`` saved pages, each picked evenly through its list. Then, paired
and alternated, ``--runs`` times:

(a) the floor: one Selenium Chromium (the OS's chromium and chromedriver, dcaudit's flags
    and preferences) with npm's axe-core registered once through CDP
    ``Page.addScriptToEvaluateOnNewDocument``, then ``get`` and ``axe.run`` on every page
    with dcaudit's tags and result types (violations and needs review); no crawl, no store,
    no report. Browser start and quit count.
(b) ``dcaudit audit URLS... --max-depth 0 --delay 0 --format html,json`` in a subprocess,
    as a user runs it: crawl, every check, the browser pass, scoring, the store and the
    reports. Process start counts.

It prints each pair, the median times, the median of the pair ratios floor/dcaudit
(>= 1.0 means the whole audit is at least as fast as the bare floor), and axe's violation
nodes per rule on both sides (one node per page, rule and element, as dcaudit counts
them), with every rule whose counts differ.

Measured on the 2-core development machine with other work running (the demo's 49
pages, 60 ACT test cases and 100 real saved pages, 209 pages): see the README's
benchmark table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

from dcaudit.browser.axe_findings import join_target
from dcaudit.browser.axe_script import load_axe
from dcaudit.browser.session import chrome_options, find_binaries
from dcaudit.config import Settings, load_settings
from dcaudit.pipeline import run_audit
from dcaudit.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu_use import NewProcessesCPU  # a sibling module of this script

ACT_MOUNT = "WAI/content-assets/wcag-act-rules"  # where the ACT pages expect their assets
PAGES_MOUNT = "pages"
PAGE_TIMEOUT = 30.0
Nodes = Counter[tuple[str, str]]  # axe violation nodes by (page, rule)

# The bare loop's whole page script: axe.run with dcaudit's tags and result types (dcaudit
# reports violations and needs-review results, so the floor asks axe for the same work),
# every result handed back as axe gives it.
FLOOR_SCRIPT = """
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: "tag", values: arguments[0] },
  resultTypes: ["violations", "incomplete"] })
  .then((r) => done({ violations: r.violations, incomplete: r.incomplete }))
  .catch((e) => done({ error: String(e) }));
"""


# -- serving -------------------------------------------------------------------------------
class _Quiet(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer (a browser leaving a page) is no error


def _serve(root: str, conn: Connection) -> None:
    """Child process: the demo site and the static root, until the pipe closes."""
    from dcaudit.demo import DemoServer

    handler = partial(_Quiet, directory=root)
    static = _QuietServer(("127.0.0.1", 0), handler)
    with DemoServer() as demo:
        threading.Thread(target=static.serve_forever, daemon=True).start()
        conn.send((demo.url, f"http://127.0.0.1:{static.server_port}/"))
        with contextlib.suppress(EOFError):
            conn.recv()  # blocks until the parent sends or closes
        static.shutdown()


@contextmanager
def serve(act: Path | None, pages: Path | None) -> Iterator[tuple[str, str]]:
    """(demo base URL, static base URL) while the serving process runs."""
    with tempfile.TemporaryDirectory(prefix="dcaudit-bench-root-") as root:
        if act is not None:
            mount = Path(root, ACT_MOUNT)
            mount.parent.mkdir(parents=True)
            mount.symlink_to(act.resolve(), target_is_directory=True)
        if pages is not None:
            Path(root, PAGES_MOUNT).symlink_to(pages.resolve(), target_is_directory=True)
        parent, child = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(root, child), daemon=True
        )
        process.start()
        try:
            yield parent.recv()
        finally:
            parent.close()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()


# -- the page set ----------------------------------------------------------------------------
def spread(items: Sequence[str], count: int) -> list[str]:
    """``count`` items picked evenly through ``items`` (all of them when fewer)."""
    if count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def demo_pages(demo_url: str) -> list[str]:
    """The demo site's HTML pages, as a static crawl of it finds them (not timed)."""
    with tempfile.TemporaryDirectory(prefix="dcaudit-bench-demo-") as folder:
        settings = load_settings(
            {"out_dir": folder, "delay": 0.0, "browser": False, "formats": "json"},
            environ={},
            cwd=Path(folder),
        )
        result = run_audit(settings, [demo_url])
        with Store(settings.store_path) as store:
            pages = list(store.pages(result.run.id))
    return [
        p.url
        for p in pages
        if p.is_html and p.status == 200 and p.final_url == p.url and p.error is None
    ]


def act_pages(folder: Path, base: str, count: int) -> list[str]:
    cases = json.loads((folder / "testcases.json").read_text(encoding="utf-8"))["testcases"]
    paths = [c["relativePath"] for c in cases if c["relativePath"].endswith(".html")]
    return [f"{base}{ACT_MOUNT}/{path}" for path in spread(sorted(set(paths)), count)]


def saved_pages(folder: Path, base: str, count: int) -> list[str]:
    found = (p.relative_to(folder) for p in folder.rglob("*.html"))
    paths = sorted(p.as_posix() for p in found if not any(n.startswith(".") for n in p.parts))
    return [f"{base}{PAGES_MOUNT}/{path}" for path in spread(paths, count)]


# -- (a) the floor ---------------------------------------------------------------------------
def floor(settings: Settings, urls: Sequence[str]) -> dict[str, Any]:
    """One browser, axe preloaded through CDP, a bare get + axe.run loop."""
    binaries = find_binaries(settings)
    axe = load_axe(settings)
    profile = Path(tempfile.mkdtemp(prefix="dcaudit-bench-floor-"))
    started = time.perf_counter()
    own_cpu = time.process_time()
    with NewProcessesCPU(os.getpid()) as browser_cpu:
        nodes, failed = _floor_loop(settings, binaries, axe, profile, urls)
    seconds = time.perf_counter() - started
    own = time.process_time() - own_cpu
    shutil.rmtree(profile, ignore_errors=True)
    return {
        "seconds": seconds,
        "nodes": nodes,
        "failed": failed,
        "checked": len(urls) - len(failed),
        "cpu": None if browser_cpu.seconds is None else browser_cpu.seconds + own,
        "python_cpu": own,
    }


def _floor_loop(
    settings: Settings, binaries: Any, axe: Any, profile: Path, urls: Sequence[str]
) -> tuple[Nodes, list[str]]:
    options = chrome_options({"127.0.0.1"}, binary=binaries.chromium, user_data_dir=profile)
    service = Service(executable_path=binaries.chromedriver, log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(service=service, options=options)
    nodes: Nodes = Counter()
    failed: list[str] = []
    try:
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        driver.set_script_timeout(PAGE_TIMEOUT)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": axe.source})
        for url in urls:
            error = _floor_page(driver, url, list(settings.axe_tags), nodes)
            if error is not None:
                failed.append(f"{url}: {error}")
    finally:
        driver.quit()
    return nodes, failed


def _floor_page(driver: webdriver.Chrome, url: str, tags: list[str], nodes: Nodes) -> str | None:
    """Check one page; None when done, else why not. A page that navigates itself away
    while axe runs is run again once, as dcaudit does."""
    try:
        driver.get(url)
    except WebDriverException as exc:
        return (exc.msg or str(exc)).splitlines()[0]
    for _ in range(2):
        try:
            result = driver.execute_async_script(FLOOR_SCRIPT, tags)
        except WebDriverException as exc:
            if "unload" in (exc.msg or ""):
                continue
            return (exc.msg or str(exc)).splitlines()[0]
        if not isinstance(result, dict) or "error" in result:
            return f"axe failed: {result}"
        for rule in result["violations"]:
            # one node per element, as dcaudit keeps it
            targets = {join_target(node["target"]) for node in rule["nodes"]}
            nodes[url, f"axe/{rule['id']}"] += len(targets)
        return None
    return "the page kept navigating away"


# -- (b) dcaudit -----------------------------------------------------------------------------
def dcaudit_command() -> list[str]:
    script = Path(sys.executable).with_name("dcaudit")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "dcaudit"]


def whole_audit(axe_path: str, urls: Sequence[str], workers: int | None) -> dict[str, Any]:
    """The whole ``dcaudit audit`` as a user runs it, in a fresh output folder."""
    with tempfile.TemporaryDirectory(prefix="dcaudit-bench-audit-") as folder:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("DCAUDIT_")}
        environ["DCAUDIT_AXE_PATH"] = axe_path
        command = [
            *dcaudit_command(),
            "audit",
            *urls,
            "--max-depth",
            "0",
            "--delay",
            "0",
            "--format",
            "html,json",
            "--out",
            folder,
            "--quiet",
            *(["--browser-workers", str(workers)] if workers else []),
        ]
        started = time.perf_counter()
        with NewProcessesCPU(os.getpid()) as cpu:
            done = subprocess.run(command, cwd=folder, env=environ, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"dcaudit audit exited {done.returncode}:\n{done.stderr[-3000:]}")
        report = json.loads(Path(folder, "report.json").read_text(encoding="utf-8"))
    nodes: Nodes = Counter(
        (f["page"], f["rule"])
        for f in report["findings"]
        if f["source"] == "axe" and f["outcome"] == "violation"
    )
    failed = [
        f"{f['page']}: {f['message']}" for f in report["findings"] if f["rule"] == "dcaudit/browser"
    ]
    checked = report["run"]["stats"]["browser_checked"]
    return {
        "seconds": seconds,
        "nodes": nodes,
        "failed": failed,
        "checked": checked,
        "cpu": cpu.seconds,
        "python_cpu": cpu.seconds_named("dcaudit", "python"),
    }


# -- the comparison --------------------------------------------------------------------------
def per_rule(nodes: Nodes) -> Counter[str]:
    rules: Counter[str] = Counter()
    for (_, rule), count in nodes.items():
        rules[rule] += count
    return rules


def axe_differences(floor_nodes: Nodes, audit_nodes: Nodes) -> list[str]:
    """Every rule whose node counts differ, then (at most ten) the pages where they do."""
    bare, audit = per_rule(floor_nodes), per_rule(audit_nodes)
    lines = [
        f"  {rule:<40} floor {bare[rule]:>5}  dcaudit {audit[rule]:>5}"
        for rule in sorted(set(bare) | set(audit))
        if bare[rule] != audit[rule]
    ]
    pages = sorted(
        k for k in set(floor_nodes) | set(audit_nodes) if floor_nodes[k] != audit_nodes[k]
    )
    lines += [
        f"    {rule} on {page}: floor {floor_nodes[page, rule]}, dcaudit {audit_nodes[page, rule]}"
        for page, rule in pages[:10]
    ]
    return lines


def print_pair(number: int, bare: dict[str, Any], audit: dict[str, Any]) -> None:
    ratio = bare["seconds"] / audit["seconds"]
    print(
        f"pair {number}: floor {bare['seconds']:6.1f} s ({bare['checked']} checked, "
        f"{sum(bare['nodes'].values())} nodes); dcaudit {audit['seconds']:6.1f} s "
        f"({audit['checked']} checked, {sum(audit['nodes'].values())} nodes); "
        f"floor/dcaudit {ratio:.2f}x",
        flush=True,
    )
    if bare["cpu"] is not None and audit["cpu"] is not None:
        print(f"        CPU: floor {_cpu(bare)}; dcaudit {_cpu(audit)}", flush=True)


def _cpu(side: dict[str, Any]) -> str:
    """CPU seconds of one side, the part its Python process took, and the cores kept busy."""
    return (
        f"{side['cpu']:.1f} s ({side['python_cpu']:.1f} s in Python), "
        f"{side['cpu'] / side['seconds']:.2f} cores busy"
    )


def summarise(pairs: list[tuple[dict[str, Any], dict[str, Any]]], pages: int) -> None:
    floor_s = statistics.median(b["seconds"] for b, _ in pairs)
    audit_s = statistics.median(a["seconds"] for _, a in pairs)
    ratios = sorted(b["seconds"] / a["seconds"] for b, a in pairs)
    print(f"\nmedians of {len(pairs)} paired runs, {pages} pages:")
    print(f"  (a) floor, 1 browser, bare get + axe.run : {floor_s:6.1f} s")
    print(f"  (b) dcaudit audit, everything           : {audit_s:6.1f} s")
    print(
        f"  floor/dcaudit: {statistics.median(ratios):.2f}x, the median of the pair ratios "
        f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}x; target >= 1.00x)"
    )
    if all(b["cpu"] is not None and a["cpu"] is not None for b, a in pairs):
        print(
            f"  CPU seconds (every process each side started), medians: floor "
            f"{statistics.median(b['cpu'] for b, _ in pairs):.1f} s, dcaudit "
            f"{statistics.median(a['cpu'] for _, a in pairs):.1f} s, of which dcaudit's "
            f"Python process {statistics.median(a['python_cpu'] for _, a in pairs):.1f} s"
        )
    for number, (bare, audit) in enumerate(pairs, 1):
        differences = axe_differences(bare["nodes"], audit["nodes"])
        total = sum(audit["nodes"].values())
        if differences:
            print(f"pair {number}: axe violation nodes per rule differ:")
            print("\n".join(differences))
        else:
            print(f"pair {number}: axe violation nodes per rule match ({total} nodes)")
    bare, audit = pairs[-1]
    print("axe violation nodes per rule (last pair, floor = dcaudit unless shown):")
    for rule, count in sorted(per_rule(audit["nodes"]).items()):
        print(f"  {rule:<40} {count:>5}")
    for label, side in (("floor", bare), ("dcaudit", audit)):
        for line in side["failed"][:10]:
            print(f"  {label} could not check {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--act", type=Path, help="the W3C ACT Rules test cases folder")
    parser.add_argument("--act-cases", type=int, default=60)
    parser.add_argument("--pages", type=Path, help="a folder of saved .html pages")
    parser.add_argument("--page-count", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--browser-workers", type=int, help="dcaudit's browsers (default: its own choice)"
    )
    args = parser.parse_args()
    settings = Settings()
    axe_path = str(load_axe(settings).path)
    with serve(args.act, args.pages) as (demo_url, static):
        urls = demo_pages(demo_url)
        demo_count = len(urls)
        if args.act is not None:
            urls += act_pages(args.act, static, args.act_cases)
        if args.pages is not None:
            urls += saved_pages(args.pages, static, args.page_count)
        print(
            f"{len(urls)} pages on 127.0.0.1: {demo_count} demo, "
            f"{len(urls) - demo_count} from the folders; {args.runs} paired runs",
            flush=True,
        )
        pairs = []
        for number in range(1, args.runs + 1):
            if number % 2:  # alternate which side goes first
                bare = floor(settings, urls)
                audit = whole_audit(axe_path, urls, args.browser_workers)
            else:
                audit = whole_audit(axe_path, urls, args.browser_workers)
                bare = floor(settings, urls)
            print_pair(number, bare, audit)
            pairs.append((bare, audit))
    summarise(pairs, len(urls))


if __name__ == "__main__":
    main()
