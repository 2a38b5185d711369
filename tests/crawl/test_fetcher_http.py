"""The fetcher's one httpx client on real sockets (127.0.0.1): kept-alive connections,
what is sent, content decoding and the size cap, TLS, cookies, proxies from the
environment."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trustme

from dcaudit.config import Settings
from dcaudit.crawl.clock import SystemClock
from dcaudit.crawl.decoding import PIECE
from dcaudit.crawl.fetcher import Fetcher
from dcaudit.crawl.politeness import HostSlots
from dcaudit.crawl.results import FetchResult

from .rawserver import Connection, keep_alive, raw_server, response

HTML = "Content-Type: text/html"
PAGE = b"<!doctype html><title>Council</title><p>" + b"Bins are collected weekly. " * 2000


def fetch_all(urls: list[str], **options: Any) -> list[FetchResult]:
    """Fetch ``urls`` in turn with one fetcher (delay 0, no retries unless given)."""

    async def main() -> list[FetchResult]:
        clock = SystemClock()
        settings = Settings(**{"delay": 0, "retries": 0, **options})
        fetcher = Fetcher(settings, HostSlots(2, 0, clock), clock)
        try:
            return [await fetcher.fetch_page(url) for url in urls]
        finally:
            await fetcher.aclose()

    return asyncio.run(main())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- connections and requests -------------------------------------------------------------
def test_requests_to_one_origin_reuse_one_kept_alive_connection() -> None:
    replies = [response(f"<p>page {n}</p>".encode(), HTML) for n in range(5)]
    with raw_server(keep_alive(*replies)) as server:
        results = fetch_all([server.url(f"/{n}") for n in range(5)])
    assert [r.body for r in results] == [f"<p>page {n}</p>".encode() for n in range(5)]
    assert server.accepted == 1


def test_a_connection_the_server_closed_is_replaced_without_an_error() -> None:
    def script(connection: Connection) -> None:
        body = b"<p>one</p>" if connection.index == 0 else b"<p>two</p>"
        keep_alive(response(body, HTML))(connection)  # answers, then hangs up unannounced

    with raw_server(script) as server:

        async def main() -> list[FetchResult]:
            clock = SystemClock()
            fetcher = Fetcher(Settings(delay=0, retries=0), HostSlots(1, 0, clock), clock)
            try:
                first = await fetcher.fetch_page(server.url("/1"))
                await asyncio.to_thread(server.closed.wait, 10)  # the first connection is gone
                return [first, await fetcher.fetch_page(server.url("/2"))]
            finally:
                await fetcher.aclose()

        results = asyncio.run(main())
    assert [(r.error, r.body) for r in results] == [(None, b"<p>one</p>"), (None, b"<p>two</p>")]
    assert server.accepted == 2


def test_request_sends_host_our_headers_and_the_path_with_query_and_no_cookie() -> None:
    heads: list[str] = []

    def script(connection: Connection) -> None:
        while (head := connection.read_request()) is not None:
            heads.append(head)
            connection.send(response(b"<p>ok</p>", HTML, "Set-Cookie: sid=secret; Path=/"))

    with raw_server(script) as server:
        fetch_all([server.url("/a;b/c?x=1&y=2"), server.url("/next")], user_agent="dcaudit/9.9")
    request_line, *header_lines = heads[0].split("\r\n")
    assert request_line == "GET /a;b/c?x=1&y=2 HTTP/1.1"
    headers = {line.split(": ", 1)[0].lower(): line.split(": ", 1)[1] for line in header_lines}
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert headers["user-agent"] == "dcaudit/9.9"
    assert headers["accept-encoding"] == "gzip, deflate"
    assert not any(line.lower().startswith("cookie") for line in heads[1].split("\r\n"))


# -- bodies -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw, as some servers send
        ("identity", lambda data: data),
        ("GZIP ", gzip.compress),
    ],
)
def test_bodies_are_decoded_from_their_content_encoding(
    coding: str, encode: Callable[[bytes], bytes]
) -> None:
    reply = response(encode(PAGE), HTML, f"Content-Encoding: {coding}")
    with raw_server(keep_alive(reply)) as server:
        (result,) = fetch_all([server.url("/")])
    assert (result.error, result.body) == (None, PAGE)


@pytest.mark.parametrize(
    ("coding", "body"),
    [("br", b"\x1b\x00\x00"), ("gzip", b"not gzip at all"), ("gzip, gzip", b"")],
)
def test_a_body_that_cannot_be_decoded_is_an_error(coding: str, body: bytes) -> None:
    reply = response(body, HTML, f"Content-Encoding: {coding}")
    with raw_server(keep_alive(reply)) as server:
        (result,) = fetch_all([server.url("/")])
    assert (result.status, result.error, result.body) == (None, "body could not be decoded", None)


def test_a_compressed_bomb_stops_inflating_at_max_body_bytes() -> None:
    bomb = gzip.compress(b"<p>" + b"\0" * 50_000_000)  # about 50 KB on the wire
    reply = response(bomb, HTML, "Content-Encoding: gzip")
    with raw_server(keep_alive(reply)) as server:
        (result,) = fetch_all([server.url("/bomb")], max_body_bytes=1_000_000)
    assert (result.error, result.body) == ("too large", None)
    assert 1_000_000 < result.bytes_read <= 1_000_000 + PIECE


# -- TLS ----------------------------------------------------------------------------------
def test_https_works_against_a_certificate_from_ssl_cert_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # how users behind a proxy CA do it
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    replies = keep_alive(response(b"<p>secure</p>", HTML), response(b"<p>again</p>", HTML))
    with raw_server(replies, tls=context) as server:
        results = fetch_all([server.url("/"), server.url("/2")])
    assert [r.body for r in results] == [b"<p>secure</p>", b"<p>again</p>"]
    assert server.accepted == 1


# -- proxies ------------------------------------------------------------------------------
def test_a_proxy_from_the_environment_carries_requests_to_outside_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heads: list[str] = []
    page = gzip.compress(b"<title>Through the proxy</title>")

    def proxy(connection: Connection) -> None:
        heads.append(connection.read_request() or "")
        connection.send(response(page, HTML, "Content-Encoding: gzip"))

    with raw_server(proxy) as server:
        monkeypatch.setenv("http_proxy", server.url())
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        (result,) = fetch_all(["http://www.example.gov.uk/bins"])
    assert heads[0].split("\r\n")[0] == "GET http://www.example.gov.uk/bins HTTP/1.1"
    assert (result.status, result.error) == (200, None)
    assert result.body == b"<title>Through the proxy</title>"


def test_the_proxy_is_passed_by_for_no_proxy_hosts_other_schemes_and_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    def proxy(connection: Connection) -> None:  # refuses every tunnel, after noting it
        seen.append((connection.read_request() or "").split("\r\n")[0])
        connection.send(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    port = closed_port()
    urls = {
        "https://www.example.gov.uk/": "request failed (ProxyError)",
        "https://intranet.example.gov.uk/": "DNS lookup failed",  # no_proxy: direct
        "https://www.intranet.example.gov.uk/": "DNS lookup failed",  # and names under it
        "https://other.example.gov.uk/": "request failed (ProxyError)",
        "http://plain.example.gov.uk/": "DNS lookup failed",  # no http_proxy: direct
        f"https://127.0.0.1:{port}/": "connection refused",  # loopback: never proxied
        f"https://localhost:{port}/": "connection refused",
    }
    with raw_server(proxy) as server:
        monkeypatch.setenv("https_proxy", server.url())
        monkeypatch.setenv("no_proxy", "intranet.example.gov.uk")
        results = fetch_all(list(urls))
    assert {r.url: r.error for r in results} == urls
    assert seen == [
        "CONNECT www.example.gov.uk:443 HTTP/1.1",
        "CONNECT other.example.gov.uk:443 HTTP/1.1",
    ]
