"""HTTP for the crawler: one ``httpx.AsyncClient``, redirects followed by hand, retries,
time and size limits. Nothing here raises for a failed request: the failure is described
in the :class:`FetchResult`.

Retries: connection errors, 429 and 503, up to ``settings.retries`` times, waiting
``backoff * 2**n`` seconds or the server's Retry-After (seconds or an HTTP date, capped by
``retry_after_cap``). A failure after the body started arriving is not retried.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import logging
import select
import socket
import ssl
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from dcaudit import __version__
from dcaudit.config import Settings
from dcaudit.crawl.clock import Clock
from dcaudit.crawl.content import ContentKind, ContentRules, load_content_rules, media_type
from dcaudit.crawl.frontier import host_of, normalise_url
from dcaudit.crawl.politeness import HostSlots

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 503})
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"


@dataclass(frozen=True)
class RedirectStop:
    """Why a redirect was not followed (the target is out of scope, disallowed, known...)."""

    reason: str


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


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    content_type: str | None = None  # the header as sent
    content_length: int | None = None
    kind: ContentKind | None = None
    body: bytes | None = None  # HTML pages and resources only; None when too large
    bytes_read: int = 0
    error: str | None = None
    connect_failed: bool = False  # the host could not be reached (DNS, refused, TLS...)
    redirects: tuple[str, ...] = ()  # every URL that answered with a redirect, in order
    redirect_stop: RedirectStop | None = None
    elapsed_ms: float | None = None
    security_headers: tuple[tuple[str, str], ...] = ()  # SECURITY_HEADERS only

    @property
    def media_type(self) -> str | None:
        return media_type(self.content_type)


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

    Requests go straight to an httpx transport: we follow redirects ourselves and keep no
    cookies, so the client layer would only add cost per request (it also builds a
    redirect request for every 3xx and raises on a malformed Location before we see it).
    Proxies from the environment (``http_proxy``, ``https_proxy``, ``no_proxy``) are used.
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
        pool = max(20, settings.concurrency * 4)
        self._limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        self._given = transport
        self._direct: httpx.AsyncBaseTransport | None = None
        self._proxied: dict[str, httpx.AsyncBaseTransport] = {}
        self._proxies = {} if transport is not None else urllib.request.getproxies()
        # raw headers, sent after Host: httpx.Request would build the same list per request
        self._headers = [
            (b"User-Agent", (settings.user_agent or f"dcaudit/{__version__}").encode("ascii")),
            (b"Accept", ACCEPT.encode("ascii")),
            (b"Accept-Encoding", b"gzip, deflate"),
        ]
        self._timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.total_timeout,
        ).as_dict()

    def _transport_for(self, url: str) -> httpx.AsyncBaseTransport:
        if self._given is not None:
            return self._given
        if self._proxies:
            scheme = url[: url.find(":")]
            proxy = self._proxies.get(scheme) or self._proxies.get("all")
            host = urlsplit(url).hostname or "" if proxy else ""
            if proxy and not _is_loopback(host) and not urllib.request.proxy_bypass(host):
                transport = self._proxied.get(proxy)
                if transport is None:
                    transport = httpx.AsyncHTTPTransport(limits=self._limits, proxy=proxy)
                    self._proxied[proxy] = transport
                return transport
        if self._direct is None:
            self._direct = _DirectTransport(self._limits)
        return self._direct

    async def aclose(self) -> None:
        transports = [self._given, self._direct, *self._proxied.values()]
        for transport in transports:
            if transport is not None:
                await transport.aclose()

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
            wait: float | None = None
            attempt = _Attempt()
            async with slot.turn():
                attempt.started = self._clock.monotonic()
                try:
                    async with asyncio.timeout(settings.total_timeout):
                        request = self._build_request(url)
                        response = await self._transport_for(url).handle_async_request(request)
                        response.request = request
                        try:
                            if response.status_code in RETRY_STATUSES and not last_try:
                                retry_after = retry_after_seconds(
                                    response.headers.get("retry-after"), self._clock.time()
                                )
                                if retry_after is not None:
                                    wait = min(retry_after, settings.retry_after_cap)
                                    slot.defer(wait)  # the whole host was asked to slow down
                                else:
                                    wait = settings.backoff * 2**attempt_number
                            else:
                                return await read(url, response, attempt)
                        finally:
                            await response.aclose()  # unread bodies (documents) end here
                except (TimeoutError, httpx.TimeoutException) as exc:
                    connect = isinstance(exc, httpx.ConnectTimeout)
                    if not connect or last_try or attempt.body_started:
                        return _Answer(error="timeout", connect_failed=connect)
                except httpx.InvalidURL as exc:
                    return _Answer(error=f"invalid URL ({exc})")
                except httpx.HTTPError as exc:
                    error = describe_error(exc)
                    connect = isinstance(exc, httpx.ConnectError)
                    retryable = isinstance(exc, httpx.TransportError) and not _is_dns_failure(exc)
                    if not retryable or last_try or attempt.body_started:
                        return _Answer(error=error, connect_failed=connect)
                    log.debug("retrying %s after %s", url, error)
            if wait is None:
                wait = settings.backoff * 2**attempt_number
            if wait > 0:
                await self._clock.sleep(wait)
        raise AssertionError("unreachable: the last attempt always returns")  # pragma: no cover

    def _build_request(self, url: str) -> httpx.Request:
        """A GET with our headers: what ``httpx.Request("GET", url, headers=...)`` builds
        (Host first, an empty body), without its per-request body encoding (half its cost)."""
        target = httpx.URL(url)
        request = httpx.Request(
            "GET",
            target,
            headers=[(b"Host", target.netloc), *self._headers],
            stream=httpx.ByteStream(b""),
            extensions={"timeout": self._timeout},
        )
        request._content = b""  # as a Request built with no content has it (already read)
        return request

    # -- reading answers -----------------------------------------------------------------
    async def _read_page(self, url: str, response: httpx.Response, attempt: _Attempt) -> _Answer:
        answer = self._head(response)
        if answer.location is not None or answer.error is not None:
            return self._done(answer, attempt)
        answer.kind = self._rules.kind_of(media_type(answer.content_type), url)
        if answer.kind is ContentKind.HTML:
            await self._read_body(response, answer, attempt, self._settings.max_body_bytes, None)
        # documents and other types: headers are enough; leaving the block closes the stream
        return self._done(answer, attempt)

    async def _read_resource(
        self, url: str, response: httpx.Response, attempt: _Attempt, spec: _ResourceSpec
    ) -> _Answer:
        answer = self._head(response)
        if answer.location is None and answer.error is None:
            await self._read_body(
                response, answer, attempt, spec.limit, spec.sink, keep_prefix=spec.keep_prefix
            )
        return self._done(answer, attempt)

    def _head(self, response: httpx.Response) -> _Answer:
        status = response.status_code
        answer = _Answer(
            status=status,
            content_type=response.headers.get("content-type"),
            content_length=_content_length(response.headers.get("content-length")),
            security_headers=tuple(
                (name, response.headers[name])
                for name in SECURITY_HEADERS
                if name in response.headers
            ),
        )
        if status in REDIRECT_STATUSES:
            location = response.headers.get("location")
            if location:
                answer.location = location
            else:
                answer.error = "redirect without a Location header"
        elif status >= 300:  # 4xx, 5xx, and 3xx codes that are not redirects
            answer.error = f"HTTP {status}"
        return answer

    async def _read_body(
        self,
        response: httpx.Response,
        answer: _Answer,
        attempt: _Attempt,
        limit: int,
        sink: ChunkSink | None,
        *,
        keep_prefix: bool = False,
    ) -> None:
        chunks: list[bytes] = []
        total = 0
        async for chunk in response.aiter_bytes():
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

    def _done(self, answer: _Answer, attempt: _Attempt) -> _Answer:
        answer.elapsed_ms = round((self._clock.monotonic() - attempt.started) * 1000, 1)
        return answer


class _DirectTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, with a connection pool whose streams keep their socket at hand.

    Before every request and after every response the pool asks each idle connection
    whether the server closed it; through anyio each answer rebuilds a dictionary of
    socket attributes (with a getpeername() call) before the poll() that answers it.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend(httpcore.AnyIOBackend()),
        )


class _Backend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - the crawler has no unix sockets
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    """A stream that answers "is_readable" from its socket, found once."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _is_readable(self._socket)
        return self._inner.get_extra_info(info)


def _is_readable(sock: socket.socket | None) -> bool:
    """Whether a recv() would return at once: data, or the end of a closed connection
    (httpcore's test; a socket without a descriptor counts as readable, that is closed)."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


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


def _is_loopback(host: str) -> bool:
    """Loopback is never proxied (as in browsers): the demo site and test servers live there."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        return "connection closed by the server"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.DecodingError):
        return "body could not be decoded"
    return f"request failed ({type(exc).__name__})"


def _is_dns_failure(exc: BaseException) -> bool:
    # a name that does not resolve will not resolve a second later: fail fast
    return any(isinstance(c, socket.gaierror) for c in _causes(exc))


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
