"""Fault injection: a loopback server misbehaving in every way a real one does. Each time
the crawl goes on, and the page is recorded with the reason it failed.

The faults that need time (a stall, a trickle) use time limits of a fraction of a second;
the server paces a trickle by waiting on an event that is never set, so nothing sleeps. The
large pages (9 MB on one line, 100,000 links) are crawled on their own with the default
time limits: they are there to be read whole, and a loaded machine may take longer than
those fractions of a second to read or analyse them (the analysis of one holds the event
loop while the other is still being read).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trustme

from dcaudit.config import Settings
from dcaudit.crawl.clock import SystemClock
from dcaudit.crawl.fetcher import Fetcher
from dcaudit.crawl.politeness import HostSlots
from dcaudit.crawl.results import FetchResult
from dcaudit.store import Store

from .fakes import new_run, run_crawl
from .rawserver import Connection, keep_alive, raw_server, response

HTML = "Content-Type: text/html; charset=utf-8"
TEN_MB_LINE = b"<p>" + b"x" * 9_000_000 + b'<a href="/after-the-long-line">after</a>'
MANY_LINKS = "".join(f'<a href="/many/{n}">{n}</a>' for n in range(100_000)).encode()
PAUSE = threading.Event()  # never set: waiting on it paces a trickle without sleeping
LARGE = ("/ten-megabyte-line", "/hundred-thousand-links")  # crawled from /large


def reset(connection: Connection) -> None:
    """Close with a TCP reset instead of an orderly end."""
    connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def trickle(connection: Connection, data: bytes, every: float = 0.05) -> None:
    for byte in data:
        connection.send(bytes([byte]))
        PAUSE.wait(every)


def faults(release: threading.Event) -> dict[str, Callable[[Connection], None]]:
    """Path -> what the server does for it."""
    return {
        "/reset-mid-headers": lambda c: (c.send(b"HTTP/1.1 200 OK\r\nContent-Ty"), reset(c)),
        "/reset-mid-body": lambda c: (
            c.send(b"HTTP/1.1 200 OK\r\n" + HTML.encode() + b"\r\nContent-Length: 5000\r\n\r\n<p>"),
            reset(c),
        ),
        "/slowloris-headers": lambda c: trickle(c, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 400),
        "/trickling-body": lambda c: (
            c.send(b"HTTP/1.1 200 OK\r\n" + HTML.encode() + b"\r\nContent-Length: 400\r\n\r\n"),
            trickle(c, b"<p>" + b"a" * 397),
        ),
        "/stall-after-headers": lambda c: (
            c.send(b"HTTP/1.1 200 OK\r\n" + HTML.encode() + b"\r\nContent-Length: 10\r\n\r\n"),
            release.wait(30),
        ),
        "/malformed-chunked": lambda c: c.send(
            b"HTTP/1.1 200 OK\r\n" + HTML.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\nnot a chunk\r\n0\r\n\r\n"
        ),
        "/content-length-too-long": lambda c: c.send(
            b"HTTP/1.1 200 OK\r\n" + HTML.encode() + b"\r\nContent-Length: 500\r\n\r\n<p>short"
        ),
        "/content-length-too-short": lambda c: c.send(
            response(b"<p>the whole page and then some", HTML).replace(
                b"Content-Length: 31", b"Content-Length: 8"
            )
        ),
        "/ten-megabyte-line": lambda c: c.send(response(TEN_MB_LINE, HTML)),
        "/hundred-thousand-links": lambda c: c.send(response(MANY_LINKS, HTML)),
    }


# what the crawl records for each: the page's error (None: fetched)
EXPECTED: dict[str, str | None] = {
    "/reset-mid-headers": "connection reset",
    "/reset-mid-body": "connection reset",
    "/slowloris-headers": "timeout",
    "/trickling-body": "timeout",
    "/stall-after-headers": "timeout",
    "/malformed-chunked": "malformed response",
    "/content-length-too-long": "connection closed by the server",
    "/content-length-too-short": None,
    "/ten-megabyte-line": None,
    "/hundred-thousand-links": None,
}


@pytest.fixture
def fault_site() -> Iterator[str]:
    """The faults linked from /, the large pages from /large (each with /fine as well)."""
    release = threading.Event()
    routes = faults(release)
    indexes = {
        index: "".join(f'<a href="{path}">{path}</a>' for path in [*paths, "/fine"]).encode()
        for index, paths in (("/", [p for p in routes if p not in LARGE]), ("/large", LARGE))
    }

    def script(connection: Connection) -> None:
        while (head := connection.read_request()) is not None:
            path = head.split(" ", 2)[1]
            if path in routes:
                routes[path](connection)
                return  # every fault ends its connection
            body = indexes.get(path, b"<p>fine</p>")
            status = "404 Not Found" if path == "/robots.txt" else "200 OK"
            connection.send(response(body, HTML, status=status))

    with raw_server(script) as server:
        yield server.url("")
        release.set()


FAULT_CRAWL = Settings(delay=0, retries=1, use_sitemaps=False, max_pages=20, trap_max_per_pattern=5)


def crawled(
    store: Store, site: str, index: str, settings: Settings
) -> tuple[dict[str, str | None], set[str]]:
    """Crawl from ``index``: each page's error by path, and every path found (pages, skips)."""
    new_run(store)
    report = run_crawl(store, [site + index], settings=settings)
    assert not report.interrupted
    errors = {p.url.removeprefix(site): p.error for p in store.pages("run-1")}
    assert errors[index] is None and errors["/fine"] is None  # the crawl went on around them
    return errors, {s.url.removeprefix(site) for s in store.skips("run-1")} | set(errors)


def test_every_fault_is_recorded_with_its_reason_and_the_crawl_goes_on(
    fault_site: str, store: Store
) -> None:
    settings = replace(FAULT_CRAWL, read_timeout=0.3, total_timeout=0.6)
    errors, _ = crawled(store, fault_site, "/", settings)
    expected = {path: error for path, error in EXPECTED.items() if path not in LARGE}
    assert {path: errors.get(path, "not recorded") for path in expected} == expected


def test_nine_megabytes_on_one_line_and_a_hundred_thousand_links_are_read_whole(
    fault_site: str, store: Store
) -> None:
    errors, found = crawled(store, fault_site, "/large", FAULT_CRAWL)
    assert {path: errors.get(path, "not recorded") for path in LARGE} == dict.fromkeys(LARGE)
    assert "/after-the-long-line" in found  # the link after 9 MB on one line was read
    # 100,000 links: recorded as found (most cut by the trap guard), none lost silently
    assert sum(1 for url in found if url.startswith("/many/")) == 100_000


YESTERDAY = datetime.now(UTC) - timedelta(days=1)


@pytest.mark.parametrize(
    ("host", "not_after", "trusted"),
    [
        ("www.council.example", None, True),  # a certificate for another host
        ("127.0.0.1", YESTERDAY, True),  # expired
        ("127.0.0.1", None, False),  # signed by a CA nobody trusts
    ],
    ids=["wrong-host", "expired", "untrusted"],
)
def test_a_bad_certificate_is_a_page_error_not_a_crash(
    host: str,
    not_after: datetime | None,
    trusted: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    authority = trustme.CA()
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    if trusted:  # the CA is trusted, the certificate still is not
        authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(host, not_after=not_after).configure_cert(context)
    with raw_server(keep_alive(response(b"<p>x</p>", HTML)), tls=context) as server:
        result = asyncio.run(_fetch(server.url("/")))
    assert (result.status, result.error) == (None, "TLS certificate not valid")


async def _fetch(url: str) -> FetchResult:
    clock = SystemClock()
    fetcher = Fetcher(Settings(delay=0, retries=0), HostSlots(1, 0, clock), clock)
    try:
        return await fetcher.fetch_page(url)
    finally:
        await fetcher.aclose()
