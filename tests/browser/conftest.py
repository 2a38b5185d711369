"""Fixtures for browser tests: a loopback site with known pages, and process inspection.

The site runs in a thread on 127.0.0.1 port 0. ``/hang`` blocks until the fixture is torn
down (an Event, not a sleep), so a test can exceed the browser's time limit on purpose.
"""

from __future__ import annotations

import base64
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# A 1x1 transparent PNG.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

FORM_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Apply for a parking permit</title></head>
<body><main id="content">
<h1>Apply for a parking permit</h1>
<img src="/pixel.png">
<form id="apply" action="/submit" method="post">
  <div class="field"><input type="text" name="full-name"></div>
  <button type="submit">Send application</button>
</form>
<p style="background-image: linear-gradient(#ffffff, #000000); color: #777777">
  Applications are reviewed within ten working days.</p>
</main></body></html>"""

JS_FORM_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Report a pothole</title></head>
<body><main><h1>Report a pothole</h1><div id="mount"></div>
<script>
  const form = document.createElement("form");
  form.id = "js-report";
  form.innerHTML = '<label for="where">Where is it?</label><input id="where" name="where">' +
    '<button type="submit">Report</button>';
  document.getElementById("mount").appendChild(form);
</script></main></body></html>"""

ALERT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cookies</title>
<script>alert("Accept our cookies"); confirm("Really?");</script></head>
<body><main><h1>Bin collections</h1><p>Your bins are collected weekly.</p></main></body></html>"""

AWAY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Moved</title>
<script>location.replace("/landing");</script></head><body><p>Moving...</p></body></html>"""

LANDING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Landing</title></head>
<body><main><h1>Welcome</h1><p>You were sent here.</p></main></body></html>"""

EXTERNAL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contact us</title>
<script src="https://www.google.com/recaptcha/api.js" async defer></script></head>
<body><main><h1>Contact us</h1>
<form action="/contact" method="post"><label for="msg">Message</label>
<textarea id="msg" name="msg"></textarea>
<div class="g-recaptcha" data-sitekey="test"></div><button>Send</button></form>
</main></body></html>"""

PLAIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Page {n}</title></head>
<body><main><h1>Page {n}</h1><p>Ordinary council information.</p></main></body></html>"""


@dataclass
class Site:
    base: str
    release: threading.Event  # set at teardown: /hang returns
    hang_hits: list[str]

    def url(self, path: str) -> str:
        return self.base + path


def _page(path: str) -> tuple[bytes, str] | None:
    fixed = {
        "/form": FORM_PAGE,
        "/js-form": JS_FORM_PAGE,
        "/alert": ALERT_PAGE,
        "/away": AWAY_PAGE,
        "/landing": LANDING_PAGE,
        "/external": EXTERNAL_PAGE,
    }
    if path in fixed:
        return fixed[path].encode(), "text/html; charset=utf-8"
    if path == "/pixel.png":
        return PIXEL, "image/png"
    if path.startswith("/form/"):  # many pages alike, each with known axe violations
        return FORM_PAGE.encode(), "text/html; charset=utf-8"
    if path.startswith("/plain/"):
        return PLAIN_PAGE.format(n=path.rsplit("/", 1)[1]).encode(), "text/html; charset=utf-8"
    return None


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    release = threading.Event()
    hang_hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/hang":
                hang_hits.append(self.path)
                release.wait(120)  # bounded: never outlives a broken test run by much
                return
            found = _page(self.path)
            if found is None:
                self.send_error(404)
                return
            body, content_type = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
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
        yield Site(f"http://127.0.0.1:{server.server_port}", release, hang_hits)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- processes (Linux /proc) ---------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    pid: int
    name: str
    state: str
    ppid: int
    pgid: int


class Processes:
    """Read-only view of /proc, for finding the browsers this test process started."""

    def all(self) -> list[Proc]:
        found: list[Proc] = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            found.append(Proc(int(entry.name), name, fields[0], int(fields[1]), int(fields[2])))
        return found

    def our_drivers(self) -> list[Proc]:
        """ChromeDriver processes started by this test process (each leads its own group)."""
        me = os.getpid()
        return [p for p in self.all() if p.ppid == me and p.name == "chromedriver"]

    def live_in_groups(self, groups: set[int]) -> list[Proc]:
        return [p for p in self.all() if p.pgid in groups and p.state not in ("Z", "X")]

    def browser_of(self, driver: Proc) -> Proc:
        """The main Chromium process under a ChromeDriver."""
        for proc in self.all():
            if proc.ppid == driver.pid and proc.name.startswith("chrom"):
                return proc
        raise AssertionError(f"no browser process under chromedriver {driver.pid}")

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)


@pytest.fixture
def procs() -> Processes:
    return Processes()
