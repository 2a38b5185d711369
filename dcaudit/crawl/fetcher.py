"""HTTP for the crawler: redirects followed by hand, retries, time and size limits, over
the one :class:`httpx.AsyncClient` of :mod:`~dcaudit.crawl.client`. Nothing here raises
for a failed request: the failure is described in the :class:`FetchResult`.

Retries: connection errors, 429 and 503, up to ``settings.retries`` times, waiting
``backoff * 2**n`` seconds or the server's Retry-After (seconds or an HTTP date, capped by
``retry_after_cap``). A failure after the body started arriving is not retried.
Bodies are streamed and decoded piece by piece (:mod:`~dcaudit.crawl.decoding`); reading
stops at the size cap.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import socket
import ssl
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import cast
from urllib.parse import urljoin

import httpx

from dcaudit.config import Settings
from dcaudit.crawl.addresses import AddressGuard, AddressRefused
from dcaudit.crawl.client import LOCATION, build_client
from dcaudit.crawl.clock import Clock
from dcaudit.crawl.content import ContentKind, ContentRules, load_content_rules, media_type
from dcaudit.crawl.decoding import decoded
from dcaudit.crawl.frontier import host_of, normalise_url
from dcaudit.crawl.politeness import HostSlot, HostSlots
from dcaudit.crawl.results import FetchResult, RedirectStop

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 503})

RedirectCheck = Callable[[str], Awaitable[RedirectStop | None]]
ChunkSink = Callable[[bytes], None]
# Response headers kept with a page for the security checks. An allow-list, so cookies and
# anything else a site sends never reach the store or a report.
SECURITY_HEADERS = (
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
)


@dataclass
class _Answer:
    """One URL's answer after retries (before redirects are followed)."""

    status: int | None = None
    content_type: str | None = None
    content_length: int | None = None
    kind: ContentKind | None = None
    body: bytes | None = None
    bytes_read: int = 0
    error: str | None = None
    connect_failed: bool = False
    location: str | None = None
    elapsed_ms: float | None = None
    security_headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Attempt:
    body_started: bool = False  # once body bytes are handed on, a failure is not retried
    started: float = 0.0


_Reader = Callable[[str, httpx.Response, _Attempt], Awaitable[_Answer]]


@dataclass
class _ResourceSpec:
    limit: int
    sink: ChunkSink | None = None
    keep_prefix: bool = False


class Fetcher:
    """Fetches pages and resources politely: every request takes a turn in its host's slot.

    Every request goes through one :class:`httpx.AsyncClient`: httpx's transport, the
    proxies the environment names (``http_proxy``, ``https_proxy``, ``no_proxy``), or the
    transport a test gives. ConfigError here for TLS certificates or a proxy that cannot
    be used.
    """

    def __init__(
        self,
        settings: Settings,
        slots: HostSlots,
        clock: Clock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        content_rules: ContentRules | None = None,
    ) -> None:
        self._settings = settings
        self._slots = slots
        self._clock = clock
        self._rules = content_rules or load_content_rules()
        # names resolving to private, loopback or link-local addresses are refused
        guard = AddressGuard(settings.allow_private_addresses)
        self._client = build_client(settings, guard, transport)
        # what build_request would merge into every request, merged once: the client's
        # headers and time-outs (it has no base URL, parameters or cookies to add)
        self._headers = self._client.headers
        self._timeout = self._client.timeout.as_dict()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch_page(self, url: str, on_redirect: RedirectCheck | None = None) -> FetchResult:
        """Fetch a crawl URL: HTML bodies are read (up to max_body_bytes), documents and
        other types only to their headers. ``on_redirect`` may refuse each redirect target."""
        return await self._follow(url, self._read_page, on_redirect, self._settings.max_redirects)

    async def fetch_resource(
        self,
        url: str,
        *,
        limit: int,
        sink: ChunkSink | None = None,
        keep_prefix: bool = False,
        max_redirects: int = 5,
    ) -> FetchResult:
        """Fetch robots.txt or a sitemap: any 2xx body is read up to ``limit`` bytes, into
        ``sink`` chunk by chunk when given (then ``body`` stays None). With ``keep_prefix``,
        a body over the limit keeps its first ``limit`` bytes (error still "too large")."""
        spec = _ResourceSpec(limit, sink, keep_prefix)

        async def read(url: str, response: httpx.Response, attempt: _Attempt) -> _Answer:
            return await self._read_resource(url, response, attempt, spec)

        return await self._follow(url, read, None, min(max_redirects, self._settings.max_redirects))

    # -- redirects ----------------------------------------------------------------------
    async def _follow(
        self, url: str, read: _Reader, on_redirect: RedirectCheck | None, max_redirects: int
    ) -> FetchResult:
        chain: list[str] = []
        current = url
        while True:
            answer = await self._request(current, read)
            if answer.location is None:
                return _result(url, current, answer, chain)
            chain.append(current)
            target = _redirect_target(current, answer.location, self._settings.tracking_params)
            if target is None:
                answer.error = "redirect to an invalid URL"
                return _result(url, current, answer, chain)
            if target in chain:
                answer.error = "redirect loop"
                return _result(url, target, answer, chain)
            if len(chain) > max_redirects:
                answer.error = f"too many redirects (more than {max_redirects})"
                return _result(url, target, answer, chain)
            stop = await on_redirect(target) if on_redirect is not None else None
            if stop is not None:
                return _result(url, target, answer, chain, stop)
            current = target

    # -- one URL, with retries --------------------------------------------------------------
    async def _request(self, url: str, read: _Reader) -> _Answer:
        settings = self._settings
        slot = self._slots.get(host_of(url))
        for attempt_number in range(settings.retries + 1):
            last_try = attempt_number == settings.retries
            outcome = await self._attempt(url, read, slot, last_try)
            if isinstance(outcome, _Answer):
                return outcome
            wait = settings.backoff * 2**attempt_number if outcome is None else outcome
            if wait > 0:
                await self._clock.sleep(wait)
        raise AssertionError("unreachable: the last attempt always returns")  # pragma: no cover

    async def _attempt(
        self, url: str, read: _Reader, slot: HostSlot, last_try: bool
    ) -> _Answer | float | None:
        """One request in the host's turn: its answer, or the seconds to wait before the
        next try (None: the usual backoff)."""
        attempt = _Attempt()
        async with slot.turn():
            attempt.started = self._clock.monotonic()
            try:
                async with asyncio.timeout(self._settings.total_timeout):
                    request = httpx.Request(
                        "GET", url, headers=self._headers, extensions={"timeout": self._timeout}
                    )
                    response = await self._client.send(request, stream=True)
                    try:
                        if response.status_code in RETRY_STATUSES and not last_try:
                            return self._retry_wait(response, slot)
                        return await read(url, response, attempt)
                    finally:
                        await response.aclose()  # unread bodies (documents) end here
            except (TimeoutError, httpx.TimeoutException) as exc:
                connect = isinstance(exc, httpx.ConnectTimeout)
                if not connect or last_try or attempt.body_started:
                    return _Answer(error="timeout", connect_failed=connect)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                return _Answer(error=f"invalid URL ({exc})")
            except httpx.HTTPError as exc:
                error = describe_error(exc)
                connect = isinstance(exc, httpx.ConnectError)
                retryable = isinstance(exc, httpx.TransportError) and not _is_dns_failure(exc)
                if not retryable or last_try or attempt.body_started:
                    return _Answer(error=error, connect_failed=connect)
                log.debug("retrying %s after %s", url, error)
        return None

    def _retry_wait(self, response: httpx.Response, slot: HostSlot) -> float | None:
        """The server's Retry-After (capped), which holds the whole host; None without one."""
        retry_after = retry_after_seconds(response.headers.get("retry-after"), self._clock.time())
        if retry_after is None:
            return None
        wait = min(retry_after, self._settings.retry_after_cap)
        slot.defer(wait)  # the whole host was asked to slow down
        return wait

    # -- reading answers -----------------------------------------------------------------
    async def _read_page(self, url: str, response: httpx.Response, attempt: _Attempt) -> _Answer:
        answer = _head(response)
        if answer.location is not None or answer.error is not None:
            return self._done(answer, attempt)
        answer.kind = self._rules.kind_of(media_type(answer.content_type), url)
        if answer.kind is ContentKind.HTML:
            await _read_body(response, answer, attempt, self._settings.max_body_bytes, None)
        # documents and other types: headers are enough; closing the response ends the rest
        return self._done(answer, attempt)

    async def _read_resource(
        self, url: str, response: httpx.Response, attempt: _Attempt, spec: _ResourceSpec
    ) -> _Answer:
        answer = _head(response)
        if answer.location is None and answer.error is None:
            await _read_body(
                response, answer, attempt, spec.limit, spec.sink, keep_prefix=spec.keep_prefix
            )
        return self._done(answer, attempt)

    def _done(self, answer: _Answer, attempt: _Attempt) -> _Answer:
        answer.elapsed_ms = round((self._clock.monotonic() - attempt.started) * 1000, 1)
        return answer


def _head(response: httpx.Response) -> _Answer:
    status = response.status_code
    headers = response.headers
    answer = _Answer(
        status=status,
        content_type=headers.get("content-type"),
        content_length=_content_length(headers.get("content-length")),
        security_headers=tuple(
            (name, headers[name]) for name in SECURITY_HEADERS if name in headers
        ),
    )
    if status in REDIRECT_STATUSES:
        location = response.extensions.get(LOCATION)  # moved aside by the client
        if location:
            answer.location = location
        else:
            answer.error = "redirect without a Location header"
    elif status >= 300:  # 4xx, 5xx, and 3xx codes that are not redirects
        answer.error = f"HTTP {status}"
    return answer


async def _read_body(
    response: httpx.Response,
    answer: _Answer,
    attempt: _Attempt,
    limit: int,
    sink: ChunkSink | None,
    *,
    keep_prefix: bool = False,
) -> None:
    """The body as it arrives, decoded piece by piece, up to ``limit`` bytes: past it,
    reading stops ("too large"), so a compressed bomb never inflates beyond one piece."""
    chunks: list[bytes] = []
    total = 0
    if response.is_stream_consumed:
        # made whole before it was sent (a test's httpx.Response(content=...)): httpx has
        # read and decoded it already
        raw, encoding = _whole(response.content), None
    else:
        raw = cast(AsyncGenerator[bytes, None], response.aiter_raw())  # httpx's is one
        encoding = response.headers.get("content-encoding")
    async with aclosing(raw), aclosing(decoded(raw, encoding)) as body:
        async for chunk in body:
            attempt.body_started = True
            total += len(chunk)
            if total > limit:
                answer.bytes_read = total
                answer.error = "too large"
                if keep_prefix:
                    chunks.append(chunk)
                    answer.body = b"".join(chunks)[:limit]
                return
            if sink is not None:
                sink(chunk)
            else:
                chunks.append(chunk)
    answer.bytes_read = total
    answer.body = b"".join(chunks) if sink is None else None


async def _whole(content: bytes) -> AsyncGenerator[bytes, None]:
    yield content


def _result(
    url: str,
    final_url: str,
    answer: _Answer,
    chain: list[str],
    stop: RedirectStop | None = None,
) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=final_url,
        status=answer.status,
        content_type=answer.content_type,
        content_length=answer.content_length,
        kind=answer.kind,
        body=answer.body,
        bytes_read=answer.bytes_read,
        error=answer.error,
        connect_failed=answer.connect_failed,
        redirects=tuple(chain),
        redirect_stop=stop,
        elapsed_ms=answer.elapsed_ms,
        security_headers=answer.security_headers,
    )


def _redirect_target(current: str, location: str, tracking: tuple[str, ...]) -> str | None:
    try:
        return normalise_url(urljoin(current, location.strip()), tracking)
    except ValueError:
        return None


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        length = int(value.strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now)


def describe_error(exc: BaseException) -> str:
    """A short, stable description of a failed request: 'connection refused', 'timeout'..."""
    for cause in _causes(exc):
        if isinstance(cause, AddressRefused):
            return str(cause)
        if isinstance(cause, socket.gaierror):
            return "DNS lookup failed"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, ConnectionResetError):
            return "connection reset"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "TLS certificate not valid"
        if isinstance(cause, ssl.SSLError):
            return "TLS error"
        if isinstance(cause, TimeoutError | httpx.TimeoutException):
            return "timeout"
    if isinstance(exc, httpx.RemoteProtocolError):
        return _protocol_error(str(exc))
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.DecodingError):
        return "body could not be decoded"
    return f"request failed ({type(exc).__name__})"


def _protocol_error(message: str) -> str:
    """A broken exchange: the server hung up part-way, or sent what is not HTTP (a chunk
    header that is no number, a bad status line or header)."""
    text = message.lower()
    if "closed" not in text and "disconnect" not in text and _MALFORMED.search(text):
        return "malformed response"
    return "connection closed by the server"


_MALFORMED = re.compile(r"illegal|malformed|invalid|bad |unsupported|not a valid")


def _is_dns_failure(exc: BaseException) -> bool:
    # a name that does not resolve will not resolve a second later, nor will a refused
    # address be allowed: fail fast
    return any(isinstance(c, socket.gaierror | AddressRefused) for c in _causes(exc))


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and members of exception groups."""
    stack = [exc]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
