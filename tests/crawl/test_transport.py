"""The crawler's HTTP below the fetcher: kept-alive connections over the asyncio backend,
content decoding, TLS, and failures as httpx's exceptions. Real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import select
import socket
import ssl
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import trustme

from dcaudit.config import Settings
from dcaudit.crawl.clock import SystemClock
from dcaudit.crawl.fetcher import Fetcher, describe_error
from dcaudit.crawl.network import MAX_BUFFERED, AsyncioBackend
from dcaudit.crawl.politeness import HostSlots
from dcaudit.crawl.transport import PIECE, DirectRoute, Reply, _header_dict, _request_line

from .rawserver import Connection, keep_alive, raw_server, response

HEADERS = [(b"User-Agent", b"dcaudit-test")]
TIMEOUTS: dict[str, Any] = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
T = TypeVar("T")


def run(scenario: Callable[[DirectRoute], Awaitable[T]]) -> T:
    """Run ``scenario`` with a fresh route on a fresh loop, closing the route after."""

    async def main() -> T:
        route = DirectRoute()
        try:
            return await scenario(route)
        finally:
            await route.aclose()

    return asyncio.run(main())


async def read_all(reply: Reply) -> bytes:
    try:
        return b"".join([chunk async for chunk in reply.aiter_bytes()])
    finally:
        await reply.aclose()


async def get_body(route: DirectRoute, url: str, **timeouts: float) -> bytes:
    return await read_all(await route.get(url, HEADERS, {**TIMEOUTS, **timeouts}))


# -- connections ------------------------------------------------------------------------
def test_requests_to_one_origin_reuse_one_kept_alive_connection() -> None:
    replies = [response(f"page {n}".encode()) for n in range(5)]
    with raw_server(keep_alive(*replies)) as server:

        async def scenario(route: DirectRoute) -> list[bytes]:
            return [await get_body(route, server.url(f"/{n}")) for n in range(5)]

        assert run(scenario) == [f"page {n}".encode() for n in range(5)]
        assert server.accepted == 1


def test_request_sends_host_and_our_headers_and_the_path_with_query() -> None:
    heads: list[str] = []

    def script(connection: Connection) -> None:
        head = connection.read_request()
        heads.append(head or "")
        connection.send(response(b"ok"))

    with raw_server(script) as server:
        run(lambda route: get_body(route, server.url("/a;b/c?x=1&y=2")))
    request_line, *header_lines = heads[0].split("\r\n")
    assert request_line == "GET /a;b/c?x=1&y=2 HTTP/1.1"
    assert header_lines[0] == f"Host: 127.0.0.1:{server.port}"
    assert "User-Agent: dcaudit-test" in header_lines


def test_a_connection_the_server_closed_is_replaced_without_an_error() -> None:
    first = response(b"one")

    def script(connection: Connection) -> None:
        if connection.index == 0:
            keep_alive(first)(connection)  # answers, then hangs up without saying so
        else:
            keep_alive(response(b"two"))(connection)

    with raw_server(script) as server:

        async def scenario(route: DirectRoute) -> list[bytes]:
            one = await get_body(route, server.url("/1"))
            await asyncio.to_thread(server.closed.wait, 10)  # the first connection is gone
            return [one, await get_body(route, server.url("/2"))]

        assert run(scenario) == [b"one", b"two"]
        assert server.accepted == 2


def test_connection_close_header_is_honoured() -> None:
    replies = [response(b"a", "Connection: close"), response(b"b")]

    def script(connection: Connection) -> None:
        keep_alive(replies[connection.index])(connection)

    with raw_server(script) as server:

        async def scenario(route: DirectRoute) -> list[bytes]:
            return [
                await get_body(route, server.url("/a")),
                await get_body(route, server.url("/b")),
            ]

        assert run(scenario) == [b"a", b"b"]
        assert server.accepted == 2


def test_a_response_closed_before_its_end_does_not_go_back_for_reuse() -> None:
    big = response(b"x" * 500_000)

    def script(connection: Connection) -> None:
        keep_alive(big, big)(connection)

    with raw_server(script) as server:

        async def scenario(route: DirectRoute) -> int:
            reply = await route.get(server.url("/doc"), HEADERS, TIMEOUTS)
            await reply.aclose()  # headers only, as for a document
            return len(await get_body(route, server.url("/page")))

        assert run(scenario) == 500_000
        assert server.accepted == 2


def test_connections_are_kept_per_origin() -> None:
    a_script = keep_alive(response(b"a"), response(b"a"))
    b_script = keep_alive(response(b"b"), response(b"b"))
    with raw_server(a_script) as one, raw_server(b_script) as two:

        async def scenario(route: DirectRoute) -> list[bytes]:
            urls = [one.url("/"), two.url("/"), one.url("/x"), two.url("/y")]
            return [await get_body(route, url) for url in urls]

        assert run(scenario) == [b"a", b"b", b"a", b"b"]
        assert (one.accepted, two.accepted) == (1, 1)


# -- failures ---------------------------------------------------------------------------
def test_refused_connection_is_an_httpx_connect_error_naming_the_cause() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    with pytest.raises(httpx.ConnectError) as caught:
        run(lambda route: get_body(route, f"http://127.0.0.1:{port}/"))
    assert describe_error(caught.value) == "connection refused"


def test_server_that_stops_answering_mid_body_is_a_read_timeout() -> None:
    def script(connection: Connection) -> None:
        connection.read_request()
        connection.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
        connection.read_request()  # holds the connection open until the client goes

    with raw_server(script) as server, pytest.raises(httpx.ReadTimeout):
        run(lambda route: get_body(route, server.url("/"), read=0.2))


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf",  # hangs up mid-body
        b"SSH-2.0-OpenSSH_9.2\r\n\r\n",  # not HTTP at all
    ],
)
def test_a_broken_answer_is_a_protocol_error(answer: bytes) -> None:
    def script(connection: Connection) -> None:
        connection.read_request()
        connection.send(answer)

    with raw_server(script) as server, pytest.raises(httpx.RemoteProtocolError):
        run(lambda route: get_body(route, server.url("/")))


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/", "http:///no-host", "http://127.0.0.1:99999/", "http://ex.gov.uk/é"]
)
def test_a_url_that_cannot_be_requested_is_an_httpx_invalid_url(url: str) -> None:
    with pytest.raises(httpx.InvalidURL):
        _request_line(url)


def test_request_line_brackets_ipv6_and_omits_default_ports() -> None:
    assert _request_line("http://[::1]:8080/a?b=1") == (
        "http",
        b"::1",
        8080,
        b"/a?b=1",
        b"[::1]:8080",
    )
    assert _request_line("https://Example.GOV.uk:443")[1:] == (
        b"example.gov.uk",
        443,
        b"/",
        b"example.gov.uk",
    )


# -- headers and bodies -----------------------------------------------------------------
def test_headers_are_lower_case_with_repeats_joined_and_utf8_tolerated() -> None:
    headers = _header_dict(
        [
            (b"Content-Type", b"text/html"),
            (b"X-Frame-Options", b"DENY"),
            (b"x-frame-options", b"SAMEORIGIN"),
            (b"Location", "/caf\u00e9".encode()),
            (b"X-Odd", b"\xff"),
        ]
    )
    assert headers == {
        "content-type": "text/html",
        "x-frame-options": "DENY, SAMEORIGIN",
        "location": "/caf\u00e9",
        "x-odd": "\u00ff",
    }


HTML = b"<!doctype html><title>Council</title><p>" + b"Bins are collected weekly. " * 2000


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
    reply = response(encode(HTML), f"Content-Encoding: {coding}")
    with raw_server(keep_alive(reply)) as server:
        assert run(lambda route: get_body(route, server.url("/"))) == HTML


@pytest.mark.parametrize(
    ("coding", "body"),
    [("br", b"\x1b\x00\x00"), ("gzip", b"not gzip at all"), ("gzip, gzip", b"")],
)
def test_a_body_that_cannot_be_decoded_is_an_httpx_decoding_error(coding: str, body: bytes) -> None:
    script = keep_alive(response(body, f"Content-Encoding: {coding}"))
    with raw_server(script) as server, pytest.raises(httpx.DecodingError):
        run(lambda route: get_body(route, server.url("/")))


def test_a_compressed_body_inflates_piece_by_piece() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)  # about 20 KB on the wire
    with raw_server(keep_alive(response(bomb, "Content-Encoding: gzip"))) as server:

        async def scenario(route: DirectRoute) -> list[int]:
            reply = await route.get(server.url("/"), HEADERS, TIMEOUTS)
            try:
                return [len(piece) async for piece in reply.aiter_bytes()]
            finally:
                await reply.aclose()

        pieces = run(scenario)
    assert sum(pieces) == 20_000_000
    assert max(pieces) <= PIECE


def test_fetcher_stops_inflating_at_max_body_bytes() -> None:
    bomb = gzip.compress(b"<p>" + b"\0" * 50_000_000)
    reply = response(bomb, "Content-Type: text/html", "Content-Encoding: gzip")
    with raw_server(keep_alive(reply)) as server:

        async def fetch() -> Any:
            clock = SystemClock()
            fetcher = Fetcher(
                Settings(delay=0, retries=0, max_body_bytes=1_000_000),
                HostSlots(2, 0, clock),
                clock,
            )
            try:
                return await fetcher.fetch_page(server.url("/bomb"))
            finally:
                await fetcher.aclose()

        result = asyncio.run(fetch())
    assert result.error == "too large"
    assert result.body is None
    assert 1_000_000 < result.bytes_read <= 1_000_000 + PIECE


# -- the network backend ----------------------------------------------------------------
@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_backend_stops_reading_while_a_large_answer_waits_unread(
    tls: bool, authority: trustme.CA
) -> None:
    size = 4 * MAX_BUFFERED

    def script(connection: Connection) -> None:
        connection.send(b"x" * size)
        connection.read_request()  # until the client hangs up

    server_tls = _tls_server_context(authority) if tls else None
    with raw_server(script, tls=server_tls) as server:

        async def scenario() -> tuple[bool, int, bool]:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=5)
            if tls:
                client = ssl.create_default_context()
                authority.configure_trust(client)
                stream = await stream.start_tls(client, "127.0.0.1", timeout=5)
            protocol = stream._protocol  # type: ignore[attr-defined]
            while not protocol.reading_paused:  # nothing read yet: the buffer fills
                await asyncio.sleep(0)
            paused_at = protocol.buffered
            total = 0
            while total < size:
                total += len(await stream.read(65536, timeout=5))
            await stream.aclose()
            return paused_at <= MAX_BUFFERED + 256 * 1024, total, protocol.reading_paused

        bounded, total, still_paused = asyncio.run(scenario())
    assert bounded
    assert total == size
    assert not still_paused


@pytest.mark.parametrize("poll", [True, False], ids=["poll", "select"])
def test_backend_says_an_idle_connection_is_readable_once_the_server_hangs_up(
    poll: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not poll:  # as on Windows
        monkeypatch.delattr(select, "poll")

    def script(connection: Connection) -> None:
        connection.read_request()

    with raw_server(script) as server:

        async def scenario() -> tuple[bool, bool, bool]:
            stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=5)
            before = stream.get_extra_info("is_readable")
            await stream.write(b"GET / HTTP/1.1\r\n\r\n", timeout=5)  # the script ends
            server.closed.wait(10)  # blocks the loop: only the socket knows of the hang-up
            seen_by_loop = stream._protocol.eof  # type: ignore[attr-defined]
            after = stream.get_extra_info("is_readable")
            await stream.aclose()
            return before, seen_by_loop, after

        assert asyncio.run(scenario()) == (False, False, True)


# -- TLS --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def _tls_server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


def test_https_works_against_a_trusted_certificate(
    authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # how users behind a proxy CA do it
    replies = keep_alive(response(b"secure"), response(b"again"))
    with raw_server(replies, tls=_tls_server_context(authority)) as server:

        async def scenario(route: DirectRoute) -> list[bytes]:
            return [await get_body(route, server.url("/")), await get_body(route, server.url("/2"))]

        assert run(scenario) == [b"secure", b"again"]
        assert server.accepted == 1


def test_https_refuses_an_untrusted_certificate(
    authority: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    tls = _tls_server_context(authority)
    server_cm = raw_server(keep_alive(response(b"x")), tls=tls)
    with server_cm as server, pytest.raises(httpx.ConnectError) as caught:
        run(lambda route: get_body(route, server.url("/")))
    assert describe_error(caught.value) == "TLS certificate not valid"


def test_plain_http_never_builds_a_tls_context() -> None:
    with raw_server(keep_alive(response(b"plain"))) as server:

        async def scenario(route: DirectRoute) -> object:
            await get_body(route, server.url("/"))
            return route._tls

        assert run(scenario) is None


# -- through a proxy ----------------------------------------------------------------------
def test_a_proxy_from_the_environment_carries_requests_to_outside_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heads: list[str] = []
    page = gzip.compress(b"<title>Through the proxy</title>")

    def proxy(connection: Connection) -> None:
        heads.append(connection.read_request() or "")
        connection.send(response(page, "Content-Type: text/html", "Content-Encoding: gzip"))

    with raw_server(proxy) as server:
        monkeypatch.setenv("http_proxy", server.url())
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)

        async def fetch() -> Any:
            clock = SystemClock()
            fetcher = Fetcher(Settings(delay=0, retries=0), HostSlots(2, 0, clock), clock)
            try:
                return await fetcher.fetch_page("http://www.example.gov.uk/bins")
            finally:
                await fetcher.aclose()

        result = asyncio.run(fetch())
    assert heads[0].split("\r\n")[0] == "GET http://www.example.gov.uk/bins HTTP/1.1"
    assert (result.status, result.error) == (200, None)
    assert result.body == b"<title>Through the proxy</title>"
