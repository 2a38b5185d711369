"""Test doubles for the crawler: a fake clock and a loopback HTTP site that logs requests."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from dcaudit.config import Settings
from dcaudit.crawl import Analyse, Clock, CrawlProgress, CrawlReport, crawl
from dcaudit.models import Run
from dcaudit.store import Store


class FakeClock:
    """Time that moves only when the crawler sleeps; every sleep is recorded, none waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_700_000_000.0 + self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        wake = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, wake)  # concurrent sleepers overlap, they do not add up


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    wait: threading.Event | None = None  # the handler blocks on it before answering


# a fixed reply, or a function of the request path and how many times it was requested before
Route = Reply | Callable[[str, int], Reply]


@dataclass
class LoopbackSite:
    """Routes by exact request path (with query), then by path alone, then by the longest
    key ending in ``*`` that prefixes the path; 404 otherwise."""

    routes: dict[str, Route] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _watch: dict[str, threading.Event] = field(default_factory=dict)
    _blockers: list[threading.Event] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, html: str, **kwargs: Any) -> None:
        self.routes[path] = Reply(body=html.encode("utf-8"), **kwargs)

    def add(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def blocker(self) -> threading.Event:
        """An event a reply can wait on; released when the site shuts down."""
        event = threading.Event()
        self._blockers.append(event)
        return event

    def when_requested(self, path: str) -> threading.Event:
        """Set as soon as the server receives a request for ``path``."""
        event = threading.Event()
        self._watch[path] = event
        return event

    def count(self) -> Counter[str]:
        with self._lock:
            return Counter(self.log)

    def reply_for(self, path: str) -> Reply:
        with self._lock:
            before = self.log.count(path)
            self.log.append(path)
        if path in self._watch:
            self._watch[path].set()
        route = self.routes.get(path) or self.routes.get(path.split("?", 1)[0])
        if route is None:
            prefixes = [k for k in self.routes if k.endswith("*") and path.startswith(k[:-1])]
            if prefixes:
                route = self.routes[max(prefixes, key=len)]
        if route is None:
            return Reply(status=404, body=b"not found", content_type="text/plain")
        return route(path, before) if callable(route) else route

    def release_all(self) -> None:
        for event in self._blockers:
            event.set()


def _handler_for(site: LoopbackSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            site.agents.append(self.headers.get("User-Agent", ""))
            reply = site.reply_for(self.path)
            if reply.wait is not None:
                reply.wait.wait(timeout=30)
            head = [f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
            if reply.content_type:
                head.append(f"Content-Type: {reply.content_type}")
            names = {name.lower() for name, _ in reply.headers}
            if "content-length" not in names:
                head.append(f"Content-Length: {len(reply.body)}")
            head.extend(f"{name}: {value}" for name, value in reply.headers)
            data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body
            try:
                self.wfile.write(data)  # one write: no Nagle stall between head and body
            except OSError:
                self.close_connection = True  # the crawler stopped reading (a document)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-body (documents, timeouts) are expected


def new_run(store: Store, run_id: str = "run-1", seeds: tuple[str, ...] = ()) -> str:
    store.create_run(Run(id=run_id, started="2026-01-01T00:00:00Z", seeds=seeds, settings={}))
    return run_id


@contextmanager
def serving(site: LoopbackSite) -> Iterator[LoopbackSite]:
    """Serve ``site`` on 127.0.0.1 from a thread until the block ends."""
    server = _Server(("127.0.0.1", 0), _handler_for(site))
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()  # the socket already listens: requests queue until the loop runs
    try:
        yield site
    finally:
        site.release_all()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_crawl(
    store: Store,
    seeds: list[str],
    *,
    settings: Settings | None = None,
    analyse: Analyse | None = None,
    clock: Clock | None = None,
    progress: Callable[[CrawlProgress], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    run_id: str = "run-1",
) -> CrawlReport:
    """Run one crawl to the end (politeness delay 0 unless the settings say otherwise)."""
    return asyncio.run(
        crawl(
            settings or Settings(delay=0),
            store,
            run_id,
            seeds,
            analyse,
            progress=progress,
            transport=transport,
            clock=clock or FakeClock(),
        )
    )
