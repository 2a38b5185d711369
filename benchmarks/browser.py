"""Browser pass throughput against a bare Selenium + axe loop.

    .venv/bin/python benchmarks/browser.py [--pages 100]

Serves generated council-style pages (about 20 KB each: navigation, text, a form, images,
a few accessibility failures) on 127.0.0.1 and measures, in one run:

  (a) floor: one WebDriver, axe preloaded through CDP, a bare get + axe.run loop
  (b) run_browser_pass with 1 worker
  (c) run_browser_pass with 2 workers

Each figure includes starting its browser(s). The three run interleaved for --rounds rounds
(default 2) and the best round of each counts, so a burst of load from other processes on
the machine hurts all three alike. Targets: (b) >= 0.85 x (a); (c) faster than (b).
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dcaudit.browser.axe_script import load_axe
from dcaudit.browser.run import BrowserResult, BrowserTarget, run_browser_pass
from dcaudit.browser.session import start_session
from dcaudit.config import Settings

PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
TOPICS = [
    "bins",
    "council tax",
    "parking",
    "planning",
    "libraries",
    "housing",
    "schools",
    "roads",
    "licensing",
    "parks",
]
WORDS = [
    "residents",
    "service",
    "apply",
    "online",
    "report",
    "collection",
    "permit",
    "payment",
    "local",
    "area",
    "ward",
    "application",
    "decision",
    "consultation",
    "support",
    "housing",
    "benefit",
    "street",
    "lighting",
    "repair",
    "request",
    "community",
    "centre",
    "opening",
    "hours",
    "deadline",
    "reference",
    "contact",
    "assistance",
    "household",
    "recycling",
    "garden",
    "waste",
    "account",
    "eligibility",
    "evidence",
    "document",
    "appointment",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 18))]
    return " ".join(words).capitalize() + "."


def _alt(k: int, *, missing: bool) -> str:
    return "" if missing else f' alt="Figure {k}"'


def generate_page(number: int) -> str:
    """A realistic service page of about 20 KB; every fifth page has extra failures."""
    rng = random.Random(number)
    topic = TOPICS[number % len(TOPICS)]
    nav = "".join(
        f'<li><a href="/page/{(number + k) % 500}">{TOPICS[k % len(TOPICS)].title()} {k}</a></li>'
        for k in range(40)
    )
    sections = []
    for section in range(12):
        paragraphs = "".join(
            f"<p>{' '.join(_sentence(rng) for _ in range(4))}</p>" for _ in range(3)
        )
        sections.append(f"<h2>{topic.title()}: part {section + 1}</h2>{paragraphs}")
    broken = number % 5 == 0
    images = "".join(
        f'<img src="/img/{number}-{k}.png"{_alt(k, missing=broken and k == 0)}>' for k in range(4)
    )
    unlabelled = '<input type="text" name="ref">' if broken else ""
    form = f"""
<form action="/submit/{number}" method="post" id="service-form">
  <h2>Apply or report about {topic}</h2>
  <label for="name-{number}">Full name</label>
  <input id="name-{number}" name="name" autocomplete="name">
  <label for="email-{number}">Email</label>
  <input id="email-{number}" name="email" type="email" autocomplete="email">
  <label for="details-{number}">Details</label>
  <textarea id="details-{number}" name="details"></textarea>
  {unlabelled}
  <button type="submit">Send</button>
</form>"""
    footer = "".join(f'<a href="/about/{k}">About link {k}</a> ' for k in range(20))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{topic.title()} - page {number} - Example Council</title>
<style>body{{font-family:sans-serif;margin:0}} nav li{{display:inline-block;margin:0 4px}}
nav a{{display:inline-block;padding:6px 4px;min-height:24px}}
main{{max-width:60em;margin:auto}} .low{{color:#aaa;background:#fff}}</style></head>
<body><header><a href="/">Example Council</a><nav><ul>{nav}</ul></nav></header>
<main id="content"><h1>{topic.title()} (page {number})</h1>
{"".join(sections[:6])}{images}{form}{"".join(sections[6:])}
<p class="{"low" if broken else ""}">Last updated on the first of the month.</p></main>
<footer>{footer}</footer></body></html>"""


@contextmanager
def serve(pages: int) -> Iterator[str]:
    bodies = {f"/page/{n}": generate_page(n).encode() for n in range(pages)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.startswith("/img/"):
                body, kind = PIXEL, "image/png"
            elif self.path in bodies:
                body, kind = bodies[self.path], "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


FLOOR_SCRIPT = """
const done = arguments[arguments.length - 1];
axe.run(document, { runOnly: { type: "tag", values: arguments[0] },
  resultTypes: ["violations", "incomplete"] })
  .then((r) => done({ violations: r.violations, incomplete: r.incomplete }));
"""


def floor(settings: Settings, urls: list[str]) -> tuple[float, int]:
    """(a): a bare loop on one browser with axe preloaded through CDP."""
    axe = load_axe(settings)
    started = time.perf_counter()
    session = start_session(settings, axe, frozenset())
    nodes = 0
    try:
        for url in urls:
            session.driver.get(url)
            results = session.driver.execute_async_script(FLOOR_SCRIPT, list(settings.axe_tags))
            nodes += sum(len(rule["nodes"]) for rule in results["violations"])
    finally:
        session.kill()
    return time.perf_counter() - started, nodes


def browser_pass(settings: Settings, urls: list[str]) -> tuple[float, int]:
    """(b) and (c): the real pass, interactions mapped, rendered HTML and timings kept."""
    findings = 0
    failures: list[str] = []

    def on_result(result: BrowserResult) -> None:
        nonlocal findings
        findings += sum(1 for f in result.findings if f.outcome.value == "violation")
        if not result.checked:
            failures.append(f"{result.url}: {result.error}")

    targets = [
        BrowserTarget(url, (("form", "#service-form"), ("main", "#content"))) for url in urls
    ]
    started = time.perf_counter()
    report = run_browser_pass(settings, targets, on_result)
    elapsed = time.perf_counter() - started
    if failures or report.checked != len(urls):
        sys.exit(f"browser pass failed pages: {failures[:3]}")
    return elapsed, findings


def measure(label: str, run: Callable[[], tuple[float, int]], pages: int) -> float:
    elapsed, count = run()
    rate = pages / elapsed
    print(f"  {label:<42} {elapsed:7.2f} s  {rate:6.2f} pages/s  ({count} violation nodes)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    pages: int = args.pages
    size = len(generate_page(1).encode())
    print(f"{pages} pages of about {size // 1024} KB on loopback, {args.rounds} round(s)")
    best = {"a": 0.0, "b": 0.0, "c": 0.0}
    with serve(pages) as base:
        urls = [f"{base}/page/{n}" for n in range(pages)]
        one = Settings(browser_workers=1)
        two = Settings(browser_workers=2)
        variants: dict[str, tuple[str, Callable[[], tuple[float, int]]]] = {
            "a": ("(a) floor: bare get + axe.run, 1 browser", lambda: floor(one, urls)),
            "b": ("(b) run_browser_pass, 1 worker", lambda: browser_pass(one, urls)),
            "c": ("(c) run_browser_pass, 2 workers", lambda: browser_pass(two, urls)),
        }
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number}")
            for key, (label, run) in variants.items():
                best[key] = max(best[key], measure(label, run, pages))
    print("best: " + ", ".join(f"({k}) {v:.2f} pages/s" for k, v in best.items()))
    print(f"(b)/(a) = {best['b'] / best['a']:.2f}  (target >= 0.85)")
    print(f"(c)/(b) = {best['c'] / best['b']:.2f}  (target > 1)")


if __name__ == "__main__":
    main()
