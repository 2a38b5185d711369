"""The demo council website as a plain function of a request: no sockets here.

:class:`DemoApp` looks a request up in the route tables of :mod:`dcaudit.demo.routes` (the
dynamic pages and form handlers) and otherwise serves a file from ``site/``. Page folders are
addressed by their URL (``/news/`` serves ``site/news/index.html``); ``.html`` files are never
served by their own name, so page templates cannot leak unrendered.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import jinja2

from dcaudit.demo.search import SiteIndex
from dcaudit.demo.state import DemoState, load_seed

log = logging.getLogger(__name__)

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
# one URL path segment: no empty, dot-only or hidden segments, nothing a shell or header could abuse
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
# a redirect target we accept from a form field: a local path only (no scheme, host or CR/LF)
_LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.-]*$")


def site_root() -> Traversable:
    """The folder of static pages and assets, inside the installed package."""
    return files("dcaudit.demo") / "site"


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


Handler = Callable[["DemoApp", Request], Response]


class DemoApp:
    """Routes requests to handlers, templates and static files; holds the site's state."""

    def __init__(self, origin: str, root: Traversable | None = None) -> None:
        from dcaudit.demo import routes  # the route tables refer back to this class

        self.origin = origin.rstrip("/")
        self.root = root if root is not None else site_root()
        self.state = DemoState(load_seed())
        self.index = SiteIndex(self.root)
        self._get: dict[str, Handler] = routes.GET_ROUTES
        self._post: dict[str, Handler] = routes.POST_ROUTES
        self._templates = jinja2.Environment(
            loader=jinja2.FunctionLoader(self._template_source),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    def handle(self, request: Request) -> Response:
        try:
            if request.method in ("GET", "HEAD"):
                handler = self._get.get(request.path)
                return handler(self, request) if handler else self.static(request.path)
            if request.method == "POST":
                handler = self._post.get(request.path)
                return handler(self, request) if handler else self.not_found()
            return Response(
                status=405, body=b"Method not allowed", content_type=CONTENT_TYPES[".txt"]
            )
        except Exception:  # one failing page must not stop the server; log and answer 500
            log.exception("demo site: %s %s failed", request.method, request.path)
            return Response(
                status=500, body=b"Internal server error", content_type=CONTENT_TYPES[".txt"]
            )

    def render(self, path: str, status: int = 200, **context: Any) -> Response:
        """Render the page template at URL ``path`` (its folder's index.html)."""
        name = f"{path.strip('/')}/index.html".lstrip("/")
        body = self._templates.get_template(name).render(**context).encode("utf-8")
        return Response(status=status, body=body)

    def render_file(self, name: str, content_type: str, **context: Any) -> Response:
        body = self._templates.get_template(name).render(**context).encode("utf-8")
        return Response(body=body, content_type=content_type)

    def static(self, path: str) -> Response:
        segments = path.split("/")[1:]
        if not path.startswith("/") or not all(_SEGMENT.match(s) for s in segments if s):
            return self.not_found()
        if segments and "" in segments[:-1]:  # "//" inside the path
            return self.not_found()
        parts = [s for s in segments if s]
        if path.endswith("/"):
            target, content_type = self.root.joinpath(*parts, "index.html"), HTML
        else:
            suffix = "." + parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
            if not suffix and self.root.joinpath(*parts, "index.html").is_file():
                return Response(status=301, headers=[("Location", path + "/")])
            if suffix not in CONTENT_TYPES:  # .html is not there: pages are served by folder
                return self.not_found()
            target, content_type = self.root.joinpath(*parts), CONTENT_TYPES[suffix]
        if not target.is_file():
            return self.not_found()
        return Response(body=target.read_bytes(), content_type=content_type)

    def not_found(self) -> Response:
        return Response(status=404, body=(self.root / "404.html").read_bytes())

    def _template_source(self, name: str) -> str:
        return self.root.joinpath(*name.split("/")).read_text(encoding="utf-8")
