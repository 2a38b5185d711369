"""The demo council website as a plain function of a request: no sockets here.

:class:`DemoApp` looks a request up in the route tables of :mod:`dcaudit.demo.routes` (the
dynamic pages and form handlers) and otherwise serves a file from ``site/``. Page folders are
addressed by their URL (``/news/`` serves ``site/news/index.html``); ``.html`` files are never
served by their own name, so page templates cannot leak unrendered.
"""

from __future__ import annotations

import logging
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import jinja2

from dcaudit.demo import routes
from dcaudit.demo.search import SiteIndex
from dcaudit.demo.state import DemoState, load_seed
from dcaudit.demo.web import CONTENT_TYPES, HTML, Handler, Request, Response

log = logging.getLogger(__name__)

# one URL path segment: no empty, dot-only or hidden segments, nothing a shell or header could abuse
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


def site_root() -> Traversable:
    """The folder of static pages and assets, inside the installed package."""
    return files("dcaudit.demo") / "site"


class DemoApp:
    """Routes requests to handlers, templates and static files; holds the site's state."""

    def __init__(self, origin: str, root: Traversable | None = None) -> None:
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
