"""An asyncio network backend for httpcore: the sockets under the crawler's HTTP client.

httpcore's default backend goes through anyio, which opens a cancel scope and two context
managers around every read and write; at a few hundred pages a second that bookkeeping
costs more than parsing the pages. This backend sits on an :class:`asyncio.Protocol`:
received data waits in a buffer, a read takes from it or waits on one future with one
timer, and a write hands the bytes to the transport (waiting only when its buffer is full).

It raises httpcore's exceptions, as httpcore's own backends do; :mod:`~dcaudit.crawl.transport`
turns them into httpx's, so the fetcher sees one family of failures whatever the route.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any

import httpcore

from dcaudit.crawl.addresses import (
    AddressGuard,
    AddressRefused,
    connect_checked,
    is_given_address,
)

# Stop reading from a socket while this much is buffered and unread (a response whose
# body nobody reads, such as a large document, must not fill memory before it is closed).
MAX_BUFFERED = 256 * 1024
HAPPY_EYEBALLS_DELAY = 0.25  # seconds before trying the next address (RFC 8305)


class _BufferedProtocol(asyncio.Protocol):
    """Keeps what arrives until a reader takes it; wakes the one reader waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.readable = _Signal()  # data, the end, or an error arrived
        self.drained = _Signal()  # the transport's write buffer emptied, or the end came

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > MAX_BUFFERED and self.transport is not None:
            self.transport.pause_reading()
            self.reading_paused = True
        self.readable.wake()

    def eof_received(self) -> bool:
        self.eof = True
        self.readable.wake()
        return False  # close the transport: HTTP/1.1 has no use for half-open connections

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self.readable.wake()
        self.drained.wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self.drained.wake()

    def take(self, max_bytes: int) -> bytes:
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.reading_paused and self.buffered <= MAX_BUFFERED // 2:
            self.reading_paused = False
            if self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()
        return chunk


class _Signal:
    """What one waiter waits for: woken by the protocol, or timed out by one timer handle
    (no task cancellation, no context managers: the cheap path for every socket read)."""

    def __init__(self) -> None:
        self._waiter: asyncio.Future[None] | None = None

    def wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self, timeout: float | None) -> None:
        """Until woken; TimeoutError after ``timeout`` seconds (None: no limit)."""
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection (plain or TLS) as httpcore reads and writes it."""

    def __init__(
        self, transport: asyncio.Transport, protocol: _BufferedProtocol, *, tls: bool = False
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._tls = tls

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.chunks and not protocol.eof:
            try:
                await protocol.readable.wait(timeout)
            except TimeoutError as exc:
                raise httpcore.ReadTimeout("timed out reading from the server") from exc
        if protocol.chunks:
            return protocol.take(max_bytes)
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error)) from protocol.error
        return b""  # the server closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if self._transport.is_closing() or protocol.error is not None:
            raise httpcore.WriteError("the connection is closed") from protocol.error
        self._transport.write(buffer)
        if not protocol.writing_paused:
            return
        try:
            await protocol.drained.wait(timeout)
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("timed out writing to the server") from exc
        if protocol.error is not None:
            raise httpcore.WriteError(str(protocol.error)) from protocol.error

    async def aclose(self) -> None:
        if self._tls:
            # HTTP framing already ended every exchange: no need to wait out a TLS
            # shutdown round trip, which would outlive a loop that ends with the crawl
            self._transport.abort()
        else:
            self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport = await loop.start_tls(
                self._transport,
                self._protocol,
                ssl_context,
                server_hostname=server_hostname,
                ssl_handshake_timeout=timeout,
            )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from exc
        except (OSError, ssl.SSLError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:  # pragma: no cover - the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        # asyncio does not call connection_made again: flow control must now go through
        # the TLS transport, or it would fight the TLS layer's own over the socket's
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol, tls=True)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._is_readable()
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None

    def _is_readable(self) -> bool:
        """Whether a read would return at once: httpcore asks this of an idle connection
        to learn whether the server closed it. The buffer answers unless it is empty;
        then the socket itself, which may hold an end the loop has not read yet."""
        protocol = self._protocol
        if protocol.chunks or protocol.eof or self._transport.is_closing():
            return True
        sock = self._transport.get_extra_info("socket")
        fd = -1 if sock is None else sock.fileno()
        if fd < 0:
            return True
        if not hasattr(select, "poll"):  # Windows
            return bool(select.select([fd], [], [], 0)[0])
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections on the running asyncio loop; with a ``guard``, only to the
    addresses it allows (:mod:`~dcaudit.crawl.addresses`)."""

    def __init__(self, guard: AddressGuard | None = None) -> None:
        self._guard = guard

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                if self._guard is not None and not is_given_address(host):
                    sock = await connect_checked(
                        self._guard, host, port, local_address, HAPPY_EYEBALLS_DELAY
                    )
                    transport, protocol = await loop.create_connection(_BufferedProtocol, sock=sock)
                else:
                    transport, protocol = await loop.create_connection(
                        _BufferedProtocol,
                        host,
                        port,
                        local_addr=(local_address, 0) if local_address else None,
                        happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY,
                    )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from exc
        except AddressRefused as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - the crawler has no unix sockets
        raise httpcore.ConnectError("unix sockets are not supported")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


__all__ = ["AsyncioBackend", "AsyncioStream"]
