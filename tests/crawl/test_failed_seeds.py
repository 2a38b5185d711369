"""A run whose every seed failed audited nothing: it fails, naming each seed's cause."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from dcaudit.config import Settings
from dcaudit.errors import SeedError
from dcaudit.store import Store

from .fakes import LoopbackSite, Reply, new_run, run_crawl
from .rawserver import Connection, raw_server, response

SETTINGS = Settings(delay=0, use_sitemaps=False, retries=0, max_body_bytes=1000)


def redirect(to: str) -> Reply:
    return Reply(status=301, headers=(("Location", to),), content_type=None)


@pytest.mark.parametrize(
    ("routes", "cause"),
    [
        ({"/": Reply(status=404, body=b"gone")}, "HTTP 404"),
        ({"/": redirect("/loop"), "/loop": redirect("/")}, "redirect loop"),
        ({"/": Reply(body=b"<p>" + b"x" * 5000)}, "too large"),
    ],
    ids=["404", "redirect-loop", "over-the-size-cap"],
)
def test_crawl_fails_when_every_seed_failed(
    site: LoopbackSite, store: Store, routes: dict[str, Reply], cause: str
) -> None:
    for path, reply in routes.items():
        site.add(path, reply)
    new_run(store)
    with pytest.raises(SeedError) as caught:
        run_crawl(store, [site.url("/")], settings=SETTINGS)
    assert str(caught.value) == f"nothing could be audited: {site.url('/')} failed: {cause}"
    assert [p.error for p in store.pages("run-1")] == [cause]  # recorded all the same


@pytest.fixture
def stalled() -> Iterator[str]:
    """A seed that sends its headers, then nothing (robots.txt answers 404)."""
    release = threading.Event()

    def script(connection: Connection) -> None:
        while (head := connection.read_request()) is not None:
            if head.startswith("GET /robots.txt"):
                connection.send(response(b"", status="404 Not Found"))
                continue
            connection.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            connection.send(b"Content-Length: 100\r\n\r\n<p>")
            release.wait(30)
            return

    with raw_server(script) as server:
        yield server.url("/")
        release.set()


def test_crawl_fails_when_the_seed_hangs_after_its_headers(store: Store, stalled: str) -> None:
    new_run(store)
    settings = Settings(delay=0, use_sitemaps=False, retries=0, read_timeout=0.2)
    with pytest.raises(SeedError, match=f"nothing could be audited: {stalled} failed: timeout"):
        run_crawl(store, [stalled], settings=settings)


def test_crawl_goes_on_when_another_seed_or_page_was_fetched(
    site: LoopbackSite, store: Store
) -> None:
    site.add("/gone", Reply(status=404, body=b"gone"))
    site.page("/", "<a href='/missing'>missing</a>")
    new_run(store)
    report = run_crawl(store, [site.url("/gone"), site.url("/")], settings=SETTINGS)
    assert report.stats.pages_fetched == 3 and report.stats.errors == 2
