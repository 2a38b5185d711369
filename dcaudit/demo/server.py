"""Serve the demo council site on loopback from a background thread.

    with DemoServer() as server:      # 127.0.0.1, a free port
        audit(server.url)             # e.g. "http://127.0.0.1:41234/"

Standard library HTTP only. The site makes no request of its own to any other host; pages
merely link to, or embed, a few off-site services that an audit records. Request lines are
not printed: they go to the ``dcaudit.demo.server`` logger at DEBUG level.
"""

from __future__ import annotations

import logging
import socket
import threading
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from importlib.resources.abc import Traversable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dcaudit.demo.app import DemoApp, site_root
from dcaudit.demo.web import Request, Response
from dcaudit.errors import DcauditError

__all__ = ["DemoServer", "ground_truth_path", "site_root"]

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024


def ground_truth_path() -> Traversable:
    """``ground_truth.yaml``: every interaction on the demo site, with its expected class."""
    return files("dcaudit.demo") / "ground_truth.yaml"


class DemoServer:
    """The bundled demo site on ``host:port`` (port 0 picks a free port), as a context manager.

    The socket is listening before ``__enter__`` returns, so ``url`` can be fetched at once.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._httpd: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """Base URL with a trailing slash, e.g. ``http://127.0.0.1:41234/``."""
        if self._url is None:
            raise DcauditError("DemoServer.url is known only while the server runs (inside 'with')")
        return self._url

    @property
    def app(self) -> DemoApp:
        """The site behind the server (its state: votes, reports, sessions)."""
        if self._httpd is None:
            raise DcauditError("DemoServer.app is available only while the server runs")
        return self._httpd.app

    def __enter__(self) -> DemoServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            httpd = _DemoHTTPServer((self.host, self.port), family)
        except OSError as exc:
            raise DcauditError(
                f"demo site cannot listen on {self.host}:{self.port}: {exc}"
            ) from exc
        port = httpd.server_address[1]
        shown_host = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        self._url = f"http://{shown_host}:{port}/"
        httpd.app = DemoApp(origin=self._url)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"dcaudit-demo-{port}",
            daemon=True,
        )
        self._thread.start()
        log.debug("demo site serving at %s", self._url)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        self._httpd = None
        self._thread = None
        self._url = None


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    app: DemoApp

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client hanging up mid-response is routine for a crawler's test target
        log.debug("demo site: connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive; every response carries Content-Length
    # headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # delayed ACKs add about 40 ms to every keep-alive response
    disable_nagle_algorithm = True
    server_version = "BryncastellDemo/1"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_POST(self) -> None:
        self._respond(send_body=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo site: " + format, *args)

    def _respond(self, send_body: bool) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Bad Content-Length")
            return
        if length > MAX_FORM_BYTES:
            self.send_error(413, "Form too large")
            return
        raw_form = self.rfile.read(length) if length > 0 else b""
        response = self.server.app.handle(self._request(raw_form))
        self._send(response, send_body)

    def _request(self, raw_form: bytes) -> Request:
        url = urlsplit(self.path)
        form: dict[str, list[str]] = {}
        content_type = self.headers.get("Content-Type", "")
        if raw_form and content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(raw_form.decode("utf-8", errors="replace"), keep_blank_values=True)
        return Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            form=form,
            cookies=self._cookies(),
        )

    def _cookies(self) -> dict[str, str]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except CookieError:
            return {}
        return {name: morsel.value for name, morsel in jar.items()}

    def _send(self, response: Response, send_body: bool) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)
