"""How one GET reaches a server and its answer comes back, below the fetcher's retries,
redirects and limits.

Direct requests go straight to httpcore's connection pools on the asyncio network backend
(:mod:`dcaudit.crawl.network`). The fetcher follows redirects itself and keeps no cookies,
so httpx's client and its request and response models would only add cost to every request.
A proxy from the environment, or a transport a test supplies, goes through an httpx
transport (httpx knows proxies). Either way the fetcher gets a :class:`Reply`, its body
decoded from gzip or deflate here, and failures arrive as httpx's exceptions.
"""

from __future__ import annotations

import os
import ssl
import zlib
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Sequence,
)
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

import httpcore
import httpx

from dcaudit.crawl.addresses import AddressGuard
from dcaudit.crawl.network import AsyncioBackend
from dcaudit.errors import ConfigError

Headers = Sequence[tuple[bytes, bytes]]
PIECE = 256 * 1024  # largest piece of a decompressed body handed on at once
_DEFAULT_PORTS = {"http": 80, "https": 443}
# httpcore's failures as the httpx exceptions of the same name, most specific first
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = tuple(
    (getattr(httpcore, name), getattr(httpx, name))
    for name in (
        "ConnectTimeout",
        "ReadTimeout",
        "WriteTimeout",
        "PoolTimeout",
        "ConnectError",
        "ReadError",
        "WriteError",
        "RemoteProtocolError",
        "LocalProtocolError",
        "ProxyError",
        "UnsupportedProtocol",
        "TimeoutException",
        "NetworkError",
        "ProtocolError",
    )
)


class Reply:
    """A response whose headers have arrived; the body is read with :meth:`aiter_bytes`."""

    def __init__(
        self,
        status: int,
        raw_headers: Headers,
        body: AsyncIterable[bytes],
        close: Callable[[], Awaitable[None]],
    ) -> None:
        self.status = status
        self.headers = _header_dict(raw_headers)
        self._body = body
        self._close = close
        self._decoded: AsyncGenerator[bytes, None] | None = None

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The body, decoded from its Content-Encoding, in pieces of at most :data:`PIECE`
        bytes (a small compressed body cannot inflate into memory all at once)."""
        self._decoded = _decode(self._body, self.headers.get("content-encoding"))
        return self._decoded

    async def aclose(self) -> None:
        try:
            if self._decoded is not None:
                await self._decoded.aclose()
        finally:
            await self._close()


class Route(Protocol):
    async def get(self, url: str, headers: Headers, timeouts: dict[str, Any]) -> Reply: ...

    async def aclose(self) -> None: ...


class DirectRoute:
    """Kept-alive httpcore connections, reused per origin.

    No connection pool: the crawler's host slots already bound how many requests run at
    once, and httpcore's pool re-examines every connection each time a request starts or
    ends, which at crawl rates costs more than the HTTP itself. A connection goes back to
    its origin's idle list when its response is closed and the server keeps it open; an
    idle one the server has closed, or one past ``keepalive_expiry``, is dropped.
    The TLS context is made on the first https request: loading the CA bundle costs about
    50 ms that a crawl of a plain-http site never needs.
    """

    def __init__(self, keepalive_expiry: float = 5.0, guard: AddressGuard | None = None) -> None:
        self._expiry = keepalive_expiry
        self._backend = AsyncioBackend(guard)
        self._tls: ssl.SSLContext | None = None
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.AsyncHTTPConnection]] = {}
        self._open: set[httpcore.AsyncHTTPConnection] = set()

    async def get(self, url: str, headers: Headers, timeouts: dict[str, Any]) -> Reply:
        scheme, host, port, target, host_header = _request_line(url)
        origin = httpcore.Origin(scheme.encode(), host, port or _DEFAULT_PORTS[scheme])
        connection = await self._checkout(origin)
        request = httpcore.Request(
            b"GET",
            httpcore.URL(scheme=scheme, host=host, port=port, target=target),
            headers=[(b"Host", host_header), *headers],
            extensions={"timeout": timeouts},
        )
        try:
            response = await connection.handle_async_request(request)
        except BaseException as exc:
            await self._drop(connection)
            if isinstance(exc, Exception):
                raise _as_httpx_error(exc) from exc
            raise

        async def close() -> None:
            try:
                await response.aclose()
            finally:
                await self._checkin(origin, connection)

        stream = cast(AsyncIterable[bytes], response.stream)  # async: an async connection's
        return Reply(response.status, response.headers, _mapped(stream), close)

    async def _checkout(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        idle = self._idle.get(_key(origin))
        while idle:
            connection = idle.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await self._drop(connection)
        connection = httpcore.AsyncHTTPConnection(
            origin,
            ssl_context=self._tls_context() if origin.scheme == b"https" else None,
            keepalive_expiry=self._expiry,
            network_backend=self._backend,
        )
        self._open.add(connection)
        return connection

    async def _checkin(
        self, origin: httpcore.Origin, connection: httpcore.AsyncHTTPConnection
    ) -> None:
        if connection.is_idle():
            self._idle.setdefault(_key(origin), []).append(connection)
        else:
            await self._drop(connection)

    async def _drop(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._open.discard(connection)
        if not connection.is_closed():
            await connection.aclose()

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = tls_context()
        return self._tls

    async def aclose(self) -> None:
        self._idle.clear()
        for connection in list(self._open):
            await self._drop(connection)


class HttpxRoute:
    """An httpx transport: a proxy's, or a test's ``httpx.MockTransport``."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def get(self, url: str, headers: Headers, timeouts: dict[str, Any]) -> Reply:
        target = httpx.URL(url)
        request = httpx.Request(
            "GET",
            target,
            headers=[(b"Host", target.netloc), *headers],
            extensions={"timeout": timeouts},
        )
        response = await self._transport.handle_async_request(request)
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        return Reply(response.status_code, response.headers.raw, stream, stream.aclose)

    async def aclose(self) -> None:
        await self._transport.aclose()


def tls_context() -> ssl.SSLContext:
    """httpx's TLS context: certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR when set.
    A certificate setting that cannot be loaded stops the run with a ConfigError naming it
    (it would fail every https request alike)."""
    try:
        return httpx.create_ssl_context()
    except (OSError, ssl.SSLError) as exc:
        settings = [
            f"{n}={os.environ[n]}" for n in ("SSL_CERT_FILE", "SSL_CERT_DIR") if n in os.environ
        ]
        where = f" ({', '.join(settings)})" if settings else ""
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ConfigError(f"cannot load the TLS certificates{where}: {reason}") from exc


def _key(origin: httpcore.Origin) -> tuple[bytes, bytes, int]:
    return origin.scheme, origin.host, origin.port  # Origin itself is not hashable


def _request_line(url: str) -> tuple[str, bytes, int | None, bytes, bytes]:
    """``(scheme, host, port, target, Host header)`` of an absolute http(s) URL."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port
        if scheme not in _DEFAULT_PORTS or not host:
            raise ValueError("not an absolute http(s) URL")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = f"[{host}]" if ":" in host else host
        if port is not None and port != _DEFAULT_PORTS[scheme]:
            netloc += f":{port}"
        return scheme, host.encode("ascii"), port, target.encode("ascii"), netloc.encode("ascii")
    except (ValueError, UnicodeEncodeError) as exc:  # a bad port, a non-ASCII character
        raise httpx.InvalidURL(str(exc)) from exc


def _header_dict(raw: Headers) -> dict[str, str]:
    """Lower-case names to values; a repeated header's values joined with ", " (as httpx).
    Values are ASCII by the RFC; UTF-8 is tried before Latin-1 for servers that differ."""
    headers: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _as_httpx_error(exc: Exception) -> Exception:
    for core_error, httpx_error in _ERRORS:
        if isinstance(exc, core_error):
            return httpx_error(str(exc) or type(exc).__name__)
    return exc


async def _mapped(stream: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """httpcore's body stream, its failures as httpx's exceptions."""
    try:
        async for chunk in stream:
            yield chunk
    except Exception as exc:
        raise _as_httpx_error(exc) from exc


async def _decode(body: AsyncIterable[bytes], encoding: str | None) -> AsyncGenerator[bytes, None]:
    """The body undone from one gzip or deflate coding (the ones we ask for)."""
    coding = (encoding or "").strip().lower()
    if coding in ("", "identity"):
        async for chunk in body:
            yield chunk
        return
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise httpx.DecodingError(f"unsupported content encoding {coding[:40]!r}")
    inflater = None
    try:
        async for chunk in body:
            if inflater is None:
                if not chunk:
                    continue
                inflater = zlib.decompressobj(_window_bits(coding, chunk))
            data = chunk
            while data:
                piece = inflater.decompress(data, PIECE)
                data = inflater.unconsumed_tail
                if piece:
                    yield piece
        tail = inflater.flush() if inflater is not None else b""
    except zlib.error as exc:
        raise httpx.DecodingError(f"body could not be decoded ({coding})") from exc
    if tail:
        yield tail


def _window_bits(coding: str, first: bytes) -> int:
    """zlib's format for the coding: gzip; deflate, which is meant to be zlib-wrapped but
    some servers send raw (a zlib stream opens with a checked two-byte header)."""
    if coding != "deflate":
        return 31
    wrapped = len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
    return 15 if wrapped else -15
