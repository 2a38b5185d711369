"""Small generated public-body sites on loopback, for batch tests and benchmarks.

    specs = [BodySite("Alpha Council", applications=3, consultations=2), ...]
    with GeneratedBodies(specs) as served:
        served.urls          # {"Alpha Council": "http://127.0.0.1:41234/", ...}

Each body gets its own server on 127.0.0.1 (its own origin, so robots.txt and politeness
apply per body as they would on the web) with a mix of interactions chosen by its spec:
information pages, online applications (transactional), consultations (consultative) and
paper forms to print and post (digital layer). ``robots_block`` serves a robots.txt that
disallows everything. Standard library HTTP only; nothing leaves the machine.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["BodySite", "GeneratedBodies", "site_pages"]


@dataclass(frozen=True)
class BodySite:
    name: str
    information: int = 2  # guidance pages
    applications: int = 0  # online applications with a reference (transactional)
    consultations: int = 0  # consultations with a closing date (consultative)
    paper_forms: int = 0  # forms to print and post (digital layer)
    robots_block: bool = False  # robots.txt disallows every page


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><header>"
        '<a href="/">Home</a></header><main>'
        f"<h1>{html.escape(title)}</h1>{body}</main>"
        '<footer><a href="/contact/">Contact us</a> '
        '<a href="/accessibility-statement/">Accessibility statement</a></footer></body></html>'
    )


def _application(n: int) -> str:
    return _page(
        f"Apply for a residents' parking permit {n}",
        "<p>Step 1 of 3. Apply online for a residents' parking permit. When you send your "
        "application you get a reference number and can track its status.</p>"
        f'<form method="post" action="/apply/{n}/details/">'
        '<label for="name">Full name</label><input id="name" name="full_name" '
        'autocomplete="name">'
        '<label for="addr">Address</label><input id="addr" name="address_line_1" '
        'autocomplete="address-line1">'
        '<label for="reg">Vehicle registration</label><input id="reg" name="vehicle_reg">'
        '<button type="submit">Continue to payment</button></form>',
    )


def _consultation(n: int) -> str:
    return _page(
        f"Have your say: the town centre plan consultation {n}",
        "<p>We are consulting on our draft plan for the town centre. Tell us what you think "
        "before the closing date, 30 June. We will publish a summary of responses.</p>"
        f'<form method="post" action="/consult/{n}/respond/">'
        '<label for="view">Your comments on the draft plan</label>'
        '<textarea id="view" name="comments"></textarea>'
        '<label for="pc">Your postcode</label><input id="pc" name="postcode">'
        '<button type="submit">Submit your response</button></form>',
    )


def _paper_form(n: int) -> str:
    return _page(
        f"Apply for a bulky waste collection {n}",
        "<p>To apply, download the application form, fill it in, print it and post it to "
        "Council Offices, High Street.</p>"
        f'<p><a href="/documents/bulky-waste-application-form-{n}.pdf">Download the bulky '
        "waste application form (PDF, 120KB)</a></p>",
    )


def _information(n: int) -> str:
    return _page(
        f"About our parks {n}",
        "<p>Our parks are open every day from dawn until dusk. Dogs must be kept on a lead "
        "near play areas. Toilets are open from April to September.</p>",
    )


def site_pages(spec: BodySite) -> dict[str, str]:
    """Path -> HTML of every page of the body's site."""
    pages: dict[str, str] = {}
    makers = (
        ("info", spec.information, _information),
        ("apply", spec.applications, _application),
        ("consult", spec.consultations, _consultation),
        ("forms", spec.paper_forms, _paper_form),
    )
    for prefix, count, make in makers:
        for n in range(1, count + 1):
            pages[f"/{prefix}/{n}/"] = make(n)
    links = "".join(f'<li><a href="{path}">{path}</a></li>' for path in pages)
    pages["/"] = _page(
        f"{spec.name}", f"<p>Welcome to {html.escape(spec.name)}.</p><ul>{links}</ul>"
    )
    pages["/contact/"] = _page(
        "Contact us",
        "<p>Call us on 01234 567890, Monday to Friday, or visit the Council Offices.</p>",
    )
    pages["/accessibility-statement/"] = _page(
        "Accessibility statement", "<p>We want as many people as possible to use this site.</p>"
    )
    return pages


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    pages: dict[str, str]
    robots: str

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a crawler hanging up is routine


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/robots.txt":
            self._send(200, "text/plain; charset=utf-8", self.server.robots.encode())
        elif path.endswith(".pdf"):
            self._send(200, "application/pdf", b"%PDF-1.4\n%%EOF\n")
        elif path in self.server.pages:
            self._send(200, "text/html; charset=utf-8", self.server.pages[path].encode())
        else:
            self._send(404, "text/html; charset=utf-8", _page("Not found", "").encode())

    def do_HEAD(self) -> None:
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class GeneratedBodies:
    """One loopback server per body spec, as a context manager; ``urls`` maps names to URLs."""

    def __init__(self, specs: list[BodySite]) -> None:
        self.specs = specs
        self.urls: dict[str, str] = {}
        self._servers: list[tuple[_Server, threading.Thread]] = []

    def __enter__(self) -> GeneratedBodies:
        for spec in self.specs:
            server = _Server(("127.0.0.1", 0), _Handler)
            server.pages = site_pages(spec)
            server.robots = "User-agent: *\n" + (
                "Disallow: /\n" if spec.robots_block else "Allow: /\n"
            )
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._servers.append((server, thread))
            self.urls[spec.name] = f"http://127.0.0.1:{server.server_address[1]}/"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join()
        self._servers.clear()
