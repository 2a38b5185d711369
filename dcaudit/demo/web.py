"""The demo site's HTTP records and what a page handler may use of the site: no sockets here.

Handlers (dcaudit.demo.routes) take a :class:`Site` and a :class:`Request` and answer a
:class:`Response`; :class:`dcaudit.demo.app.DemoApp` is the site, so the route tables need not
import it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from dcaudit.demo.search import SiteIndex
from dcaudit.demo.state import DemoState

HTML = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
}
# a redirect target we accept from a form field: a local path only (no scheme, host or CR/LF)
_LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.-]*$")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    form: Mapping[str, list[str]] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)

    def query_arg(self, name: str) -> str:
        """First value of a query parameter, stripped; "" when absent."""
        return self.query.get(name, [""])[0].strip()

    def form_field(self, name: str, limit: int = 2000) -> str:
        """First value of a submitted form field, stripped and cut to ``limit`` characters."""
        return self.form.get(name, [""])[0].strip()[:limit]


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)


def redirect(location: str, *cookies: str) -> Response:
    """303 See Other (the answer to every POST), optionally setting cookies."""
    headers = [("Location", location)] + [("Set-Cookie", cookie) for cookie in cookies]
    return Response(status=303, headers=headers)


def cookie(name: str, value: str, max_age: int | None = None) -> str:
    """A Set-Cookie value; names and values here are our own tokens, never user text."""
    lifetime = f"; Max-Age={max_age}" if max_age is not None else ""
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Lax{lifetime}"


def local_path(candidate: str, default: str = "/") -> str:
    return candidate if _LOCAL_PATH.match(candidate) else default


class Site(Protocol):
    """What a handler reads and renders: the site's state, search index and origin."""

    origin: str
    state: DemoState
    index: SiteIndex

    def render(self, path: str, status: int = 200, **context: Any) -> Response:
        """Render the page template at URL ``path`` (its folder's index.html)."""
        ...

    def render_file(self, name: str, content_type: str, **context: Any) -> Response:
        """Render the template file ``name`` as ``content_type``."""
        ...


Handler = Callable[[Site, Request], Response]
