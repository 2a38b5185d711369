"""Fixtures for the demo site tests: a running DemoServer and a crawl of everything it links."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
import lxml.html
import pytest

from dcaudit.demo import DemoServer

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ROBOTS_DISALLOWED = ("/admin/",)


@dataclass(frozen=True)
class Fetched:
    path: str
    status: int
    content_type: str
    body: bytes

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")

    def tree(self) -> lxml.html.HtmlElement:
        return lxml.html.document_fromstring(self.body)


@pytest.fixture(scope="session")
def shared_server() -> Iterator[DemoServer]:
    """One server for read-only tests; tests that change state start their own."""
    with DemoServer() as server:
        yield server


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer() as fresh:
        yield fresh


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=10) as http:
        yield http


def local_links(page: Fetched, base: str) -> set[str]:
    """Paths of same-site links (a, link, area) on an HTML page, without fragments."""
    found = set()
    host = urlsplit(base).netloc
    for href in page.tree().xpath("//a/@href | //area/@href"):
        url = urldefrag(urljoin(base + page.path.lstrip("/"), str(href)))[0]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc == host:
            found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def sitemap_paths(client: httpx.Client) -> list[str]:
    root = ET.fromstring(client.get("/sitemap.xml").content)
    return [urlsplit(loc.text or "").path for loc in root.iter(f"{SITEMAP_NS}loc")]


@pytest.fixture(scope="session")
def site(shared_server: DemoServer) -> dict[str, Fetched]:
    """Every page reachable by links from the home page or the sitemap, as a crawler sees it.

    Redirects are followed; robots.txt's Disallow is honoured, as a polite crawler would.
    """
    pages: dict[str, Fetched] = {}
    with httpx.Client(base_url=shared_server.url, follow_redirects=True, timeout=10) as http:
        queue = ["/", *sitemap_paths(http)]
        while queue:
            path = queue.pop()
            if path in pages or path.startswith(ROBOTS_DISALLOWED):
                continue
            response = http.get(path)
            fetched = Fetched(
                path=response.url.path,
                status=response.status_code,
                content_type=response.headers.get("content-type", ""),
                body=response.content,
            )
            pages[path] = fetched
            if fetched.is_html and fetched.status == 200:
                queue.extend(local_links(fetched, shared_server.url))
    return pages


@pytest.fixture(scope="session")
def html_pages(site: dict[str, Fetched]) -> dict[str, Fetched]:
    """The crawled HTML pages keyed by their final path (redirects resolved)."""
    return {page.path: page for page in site.values() if page.is_html and page.status == 200}
