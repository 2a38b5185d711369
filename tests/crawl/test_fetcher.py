"""The fetcher against httpx.MockTransport: retries, redirects, limits, content kinds."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from dcaudit.config import Settings
from dcaudit.crawl.content import ContentKind
from dcaudit.crawl.fetcher import Fetcher, describe_error, retry_after_seconds
from dcaudit.crawl.politeness import HostSlots
from dcaudit.crawl.results import FetchResult, RedirectStop
from dcaudit.errors import ConfigError

from .fakes import FakeClock

URL = "https://example.gov.uk/page"
Handler = Callable[[httpx.Request], httpx.Response]


class CountingStream(httpx.AsyncByteStream):
    """A body that counts how many chunks the client actually read."""

    def __init__(self, chunks: int, size: int = 1000) -> None:
        self.total = chunks
        self.size = size
        self.read = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.total):
            self.read += 1
            yield b"x" * self.size

    async def aclose(self) -> None:
        self.closed = True


class Recorder:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def fetch(
    handler: Handler,
    url: str = URL,
    *,
    clock: FakeClock | None = None,
    on_redirect: Any = None,
    **settings: Any,
) -> tuple[FetchResult, Recorder, FakeClock]:
    clock = clock or FakeClock()
    recorder = Recorder(handler)
    options: dict[str, Any] = {"delay": 0, "backoff": 0.01, **settings}
    fetcher = Fetcher(
        Settings(**options),
        HostSlots(2, 0, clock),
        clock,
        transport=httpx.MockTransport(recorder),
    )

    async def main() -> FetchResult:
        try:
            return await fetcher.fetch_page(url, on_redirect)
        finally:
            await fetcher.aclose()

    return asyncio.run(main()), recorder, clock


def html(body: str = "<p>hi</p>", status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body.encode(), headers={"Content-Type": "text/html", **headers}
    )


def test_fetch_page_reads_html_and_sends_user_agent() -> None:
    result, recorder, _ = fetch(lambda r: html("<p>Croeso</p>"), user_agent="dcaudit/9.9")
    assert (result.status, result.kind, result.body) == (200, ContentKind.HTML, b"<p>Croeso</p>")
    assert result.bytes_read == 13 and result.error is None
    assert recorder.requests[0].headers["user-agent"] == "dcaudit/9.9"


def test_fetch_keeps_only_allow_listed_security_headers() -> None:
    response = html(
        **{
            "Strict-Transport-Security": "max-age=31536000",
            "Set-Cookie": "session=secret",
            "Authorization": "Bearer secret",
        }
    )
    result, _, _ = fetch(lambda r: response)
    assert result.security_headers == (("strict-transport-security", "max-age=31536000"),)


def test_fetch_retries_503_honouring_retry_after_seconds() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if len(recorder_calls) < 1:
            recorder_calls.append(1)
            return httpx.Response(503, headers={"Retry-After": "2"})
        return html()

    recorder_calls: list[int] = []
    result, recorder, clock = fetch(handler)
    assert result.status == 200
    assert len(recorder.requests) == 2
    assert clock.sleeps == [2.0]


def test_fetch_honours_retry_after_http_date() -> None:
    clock = FakeClock()
    when = email.utils.formatdate(clock.time() + 5, usegmt=True)
    answers = iter([httpx.Response(503, headers={"Retry-After": when}), html()])
    result, _, _ = fetch(lambda r: next(answers), clock=clock)
    assert result.status == 200
    assert len(clock.sleeps) == 1 and 4 <= clock.sleeps[0] <= 5


def test_fetch_caps_retry_after() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "3600"}), html()])
    result, _, clock = fetch(lambda r: next(answers), retry_after_cap=3)
    assert result.status == 200
    assert clock.sleeps == [3]


def test_fetch_backs_off_exponentially_then_gives_up() -> None:
    result, recorder, clock = fetch(lambda r: httpx.Response(429), retries=3, backoff=0.01)
    assert len(recorder.requests) == 4
    assert clock.sleeps == [0.01, 0.02, 0.04]
    assert (result.status, result.error) == (429, "HTTP 429")


@pytest.mark.parametrize("status", [400, 403, 404, 410, 500])
def test_fetch_does_not_retry_other_errors(status: int) -> None:
    result, recorder, clock = fetch(lambda r: html(status=status))
    assert len(recorder.requests) == 1 and clock.sleeps == []
    assert (result.status, result.error, result.body) == (status, f"HTTP {status}", None)


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        raise httpx.ConnectError("All connection attempts failed") from cause
    except httpx.ConnectError as exc:
        return exc


def test_fetch_retries_connection_errors_then_succeeds() -> None:
    failures = [_connect_error(ConnectionRefusedError(111, "refused"))] * 2

    def handler(request: httpx.Request) -> httpx.Response:
        if failures:
            raise failures.pop()
        return html()

    result, recorder, clock = fetch(handler, backoff=0.5)
    assert result.status == 200 and len(recorder.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_fetch_reports_connection_refused_after_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise _connect_error(ConnectionRefusedError(111, "refused"))

    result, recorder, _ = fetch(handler, retries=2)
    assert len(recorder.requests) == 3
    assert (result.status, result.error, result.connect_failed) == (
        None,
        "connection refused",
        True,
    )


def test_fetch_does_not_retry_dns_failure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise _connect_error(socket.gaierror(-2, "Name or service not known"))

    result, recorder, _ = fetch(handler)
    assert len(recorder.requests) == 1
    assert (result.error, result.connect_failed) == ("DNS lookup failed", True)


def test_fetch_read_timeout_is_not_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    result, recorder, _ = fetch(handler)
    assert len(recorder.requests) == 1
    assert (result.status, result.error, result.connect_failed) == (None, "timeout", False)


def test_fetch_total_timeout_bounds_a_trickling_body() -> None:
    class Endless(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            while True:
                yield b"<p>"
                await asyncio.sleep(0.01)

    result, _, _ = fetch(
        lambda r: httpx.Response(200, headers={"Content-Type": "text/html"}, stream=Endless()),
        total_timeout=0.1,
        max_body_bytes=10**9,
    )
    assert (result.status, result.error) == (None, "timeout")


def test_fetch_follows_and_records_redirects() -> None:
    routes = {
        "/page": httpx.Response(301, headers={"Location": "/moved?utm_source=x"}),
        "/moved": httpx.Response(302, headers={"Location": "https://example.gov.uk/final#top"}),
        "/final": html("<p>here</p>"),
    }
    result, recorder, _ = fetch(lambda r: routes[r.url.path])
    assert recorder.paths == ["/page", "/moved", "/final"]
    assert result.final_url == "https://example.gov.uk/final"
    assert result.redirects == (URL, "https://example.gov.uk/moved")
    assert (result.status, result.body) == (200, b"<p>here</p>")


def test_fetch_stops_redirect_loop() -> None:
    routes = {
        "/page": httpx.Response(301, headers={"Location": "/other"}),
        "/other": httpx.Response(301, headers={"Location": "/page"}),
    }
    result, recorder, _ = fetch(lambda r: routes[r.url.path])
    assert recorder.paths == ["/page", "/other"]
    assert (result.status, result.error) == (301, "redirect loop")
    assert result.redirects == (URL, "https://example.gov.uk/other")


def test_fetch_stops_long_redirect_chain() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        step = int(request.url.params.get("n", "0"))
        return httpx.Response(302, headers={"Location": f"/page?n={step + 1}"})

    result, recorder, _ = fetch(handler, max_redirects=3)
    assert len(recorder.requests) == 4
    assert result.error == "too many redirects (more than 3)"
    assert result.final_url == "https://example.gov.uk/page?n=4"


def test_fetch_redirect_refused_by_caller_is_not_followed() -> None:
    seen: list[str] = []

    async def on_redirect(target: str) -> RedirectStop | None:
        seen.append(target)
        return RedirectStop("out of scope")

    result, recorder, _ = fetch(
        lambda r: httpx.Response(302, headers={"Location": "https://pay.example.com/x"}),
        on_redirect=on_redirect,
    )
    assert recorder.paths == ["/page"] and seen == ["https://pay.example.com/x"]
    assert result.redirect_stop == RedirectStop("out of scope")
    assert (result.status, result.final_url, result.error) == (
        302,
        "https://pay.example.com/x",
        None,
    )


def test_fetch_redirect_to_non_http_url_is_an_error() -> None:
    result, _, _ = fetch(lambda r: httpx.Response(302, headers={"Location": "mailto:x@y"}))
    assert result.error == "redirect to an invalid URL"


def test_fetch_redirect_without_location_is_an_error() -> None:
    result, _, _ = fetch(lambda r: httpx.Response(302))
    assert (result.status, result.error) == (302, "redirect without a Location header")


def test_fetch_document_reads_headers_only() -> None:
    stream = CountingStream(chunks=300)
    result, _, _ = fetch(
        lambda r: httpx.Response(
            200,
            headers={"Content-Type": "application/pdf", "Content-Length": "300000"},
            stream=stream,
        ),
        url="https://example.gov.uk/forms/apply.pdf",
    )
    assert (result.kind, result.content_length, result.body) == (
        ContentKind.DOCUMENT,
        300000,
        None,
    )
    assert stream.read == 0 and stream.closed


def test_fetch_other_type_is_not_read() -> None:
    stream = CountingStream(chunks=50)
    result, _, _ = fetch(
        lambda r: httpx.Response(200, headers={"Content-Type": "image/png"}, stream=stream)
    )
    assert result.kind is ContentKind.OTHER and stream.read == 0


def test_fetch_stops_reading_past_max_body_bytes() -> None:
    stream = CountingStream(chunks=100, size=1000)
    result, _, _ = fetch(
        lambda r: httpx.Response(200, headers={"Content-Type": "text/html"}, stream=stream),
        max_body_bytes=2500,
    )
    assert (result.status, result.error, result.bytes_read, result.body) == (
        200,
        "too large",
        3000,
        None,
    )
    assert stream.read == 3


def test_fetch_resource_reads_any_type_and_follows_redirects() -> None:
    routes = {
        "/robots.txt": httpx.Response(301, headers={"Location": "https://example.gov.uk/r.txt"}),
        "/r.txt": httpx.Response(200, content=b"User-agent: *", headers={"Content-Type": "x/y"}),
    }
    clock = FakeClock()
    fetcher = Fetcher(
        Settings(delay=0),
        HostSlots(1, 0, clock),
        clock,
        transport=httpx.MockTransport(lambda r: routes[r.url.path]),
    )

    async def main() -> FetchResult:
        try:
            return await fetcher.fetch_resource("https://example.gov.uk/robots.txt", limit=100)
        finally:
            await fetcher.aclose()

    result = asyncio.run(main())
    assert (result.status, result.body) == (200, b"User-agent: *")


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (_connect_error(socket.gaierror(-2, "x")), "DNS lookup failed"),
        (_connect_error(ConnectionRefusedError(111, "x")), "connection refused"),
        (_connect_error(ExceptionGroup("many", [ConnectionRefusedError()])), "connection refused"),
        (_connect_error(ssl.SSLCertVerificationError("bad cert")), "TLS certificate not valid"),
        (httpx.ReadError("reset", request=None), "request failed (ReadError)"),
        (httpx.RemoteProtocolError("gone"), "connection closed by the server"),
        (httpx.ConnectError("?"), "connection failed"),
        (httpx.ConnectTimeout("slow"), "timeout"),
    ],
)
def test_describe_error_is_short_and_stable(exc: BaseException, text: str) -> None:
    assert describe_error(exc) == text


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Thu, 01 Jan 2099 00:00:00 GMT", 4070908800.0 - 1_700_000_000.0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_seconds_reads_both_forms(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=1_700_000_000.0) == seconds


@pytest.mark.parametrize(
    ("proxy", "shown"),
    [
        ("ftp://someone:hunter2@proxy.example:21", "ftp://proxy.example:21"),
        ("http://someone:hunter2@[broken", "(unparsable URL)"),
        ("http://[broken", "http://[broken"),
        ("http://:3128", "http://:3128"),
    ],
)
def test_a_proxy_that_cannot_be_used_is_a_config_error_without_its_password(
    monkeypatch: pytest.MonkeyPatch, proxy: str, shown: str
) -> None:
    monkeypatch.setenv("https_proxy", proxy)
    clock = FakeClock()
    with pytest.raises(ConfigError) as caught:
        Fetcher(Settings(), HostSlots(1, 0, clock), clock)
    assert f"https proxy {shown} from the environment" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_fetch_resource_keeps_prefix_of_oversized_body_when_asked() -> None:
    clock = FakeClock()
    fetcher = Fetcher(
        Settings(delay=0),
        HostSlots(1, 0, clock),
        clock,
        transport=httpx.MockTransport(
            lambda r: httpx.Response(200, stream=CountingStream(chunks=10, size=100))
        ),
    )

    async def main() -> tuple[FetchResult, FetchResult]:
        try:
            kept = await fetcher.fetch_resource(URL, limit=250, keep_prefix=True)
            dropped = await fetcher.fetch_resource(URL, limit=250)
            return kept, dropped
        finally:
            await fetcher.aclose()

    kept, dropped = asyncio.run(main())
    assert (kept.error, kept.body) == ("too large", b"x" * 250)
    assert (dropped.error, dropped.body) == ("too large", None)
