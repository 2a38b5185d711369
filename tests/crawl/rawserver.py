"""A loopback TCP server whose every connection runs a script, for tests below HTTP's
happy path: connection reuse, servers hanging up, stalls, raw bytes, TLS."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


@dataclass
class Connection:
    """One accepted connection, as the script sees it."""

    sock: socket.socket
    index: int  # 0 for the first connection the server accepted
    _buffer: bytes = b""

    def read_request(self) -> str | None:
        """The next request's head (request line and headers), or None when the client
        hung up first."""
        while b"\r\n\r\n" not in self._buffer:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return None
            if not data:
                return None
            self._buffer += data
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        return head.decode("latin-1")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


Script = Callable[[Connection], None]


@dataclass
class RawServer:
    script: Script
    tls: ssl.SSLContext | None = None
    port: int = 0
    accepted: int = 0
    closed: threading.Event = field(default_factory=threading.Event)  # a script ended
    _sockets: list[socket.socket] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _run(self, sock: socket.socket, index: int) -> None:
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
            self.script(Connection(sock, index))
        except OSError:
            pass  # the client hung up, or failed the TLS handshake on purpose
        finally:
            sock.close()
            self.closed.set()


def response(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def keep_alive(*replies: bytes) -> Script:
    """Answer requests on one connection with ``replies`` in turn, then hang up."""

    def script(connection: Connection) -> None:
        for reply in replies:
            if connection.read_request() is None:
                return
            connection.send(reply)

    return script


@contextmanager
def raw_server(script: Script, tls: ssl.SSLContext | None = None) -> Iterator[RawServer]:
    server = RawServer(script, tls)
    listener = socket.create_server(("127.0.0.1", 0))
    server.port = listener.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            index = server.accepted
            server.accepted += 1
            server._sockets.append(sock)
            threading.Thread(target=server._run, args=(sock, index), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        listener.close()
        for sock in server._sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        thread.join(timeout=10)
