"""Sitemaps: URL sets, indexes, gzip, plain text, hostile XML, and reading them over HTTP."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Sequence
from pathlib import Path

import httpx

from dcaudit.config import Settings
from dcaudit.crawl.fetcher import Fetcher
from dcaudit.crawl.politeness import HostSlots
from dcaudit.crawl.sitemaps import SitemapParser, SitemapSource, parse_sitemap, read_sitemaps

from .fakes import FakeClock

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def urlset(*locations: str) -> bytes:
    body = "".join(
        f"<url><loc> {loc} </loc><lastmod>2026-01-01</lastmod></url>" for loc in locations
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="{NS}">{body}</urlset>'.encode()


def index(*locations: str) -> bytes:
    body = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locations)
    return f'<?xml version="1.0"?><sitemapindex xmlns="{NS}">{body}</sitemapindex>'.encode()


def test_parse_sitemap_reads_urlset_locations() -> None:
    sitemap = parse_sitemap(urlset("https://h/a", "https://h/b"))
    assert not sitemap.is_index
    assert sitemap.locations == ["https://h/a", "https://h/b"]


def test_parse_sitemap_reads_index() -> None:
    sitemap = parse_sitemap(index("https://h/s1.xml.gz", "https://h/s2.xml"))
    assert sitemap.is_index
    assert sitemap.locations == ["https://h/s1.xml.gz", "https://h/s2.xml"]


def test_parse_sitemap_inflates_gzip_by_magic_bytes() -> None:
    assert parse_sitemap(gzip.compress(urlset("https://h/z"))).locations == ["https://h/z"]


def test_parse_sitemap_reads_plain_text_form() -> None:
    text = b"https://h/a\r\n\n  https://h/b  \nnot a url\nhttps://h/c"
    assert parse_sitemap(text).locations == ["https://h/a", "https://h/b", "https://h/c"]


def test_sitemap_parser_accepts_any_chunking() -> None:
    data = gzip.compress(urlset(*(f"https://h/page-{n}" for n in range(500))))
    parser = SitemapParser()
    for start in range(0, len(data), 7):
        parser.feed(data[start : start + 7])
    assert parser.close().locations == [f"https://h/page-{n}" for n in range(500)]


def test_parse_sitemap_never_resolves_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<urlset xmlns="{NS}"><url><loc>https://h/&xxe;</loc></url>'
        "<url><loc>https://h/&lol2;</loc></url><url><loc>https://h/ok</loc></url></urlset>"
    ).encode()
    locations = parse_sitemap(hostile).locations
    assert "https://h/ok" in locations
    assert not any("TOP-SECRET" in loc or "lollol" in loc for loc in locations)


def test_parse_sitemap_recovers_from_broken_xml() -> None:
    broken = f'<urlset xmlns="{NS}"><url><loc>https://h/a</loc></url><url><loc>https://h/b<'
    assert parse_sitemap(broken.encode()).locations == ["https://h/a", "https://h/b"]


def test_parse_sitemap_caps_uncompressed_size() -> None:
    bomb = gzip.compress(urlset(*(f"https://h/{'x' * 200}/{n}" for n in range(2000))))
    sitemap = parse_sitemap(bomb, max_bytes=50_000)
    assert sitemap.problem == "larger than 50000 bytes uncompressed"


def test_parse_sitemap_reports_corrupt_gzip() -> None:
    sitemap = parse_sitemap(b"\x1f\x8b" + b"\x00" * 40)
    assert sitemap.problem is not None and sitemap.problem.startswith("not valid gzip")


def _read(
    routes: dict[str, httpx.Response], sources: Sequence[SitemapSource], stop_after: int = 10**6
) -> tuple[list[tuple[str, list[str]]], list[str], list[str]]:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(request.url.path)
        return routes.get(request.url.path, httpx.Response(404))

    clock = FakeClock()
    fetcher = Fetcher(
        Settings(delay=0, retries=0),
        HostSlots(2, 0, clock),
        clock,
        transport=httpx.MockTransport(handler),
    )
    found: list[tuple[str, list[str]]] = []

    async def on_urls(locations: Sequence[str], sitemap: str) -> bool:
        found.append((sitemap, list(locations)))
        return sum(len(f[1]) for f in found) < stop_after

    async def main() -> list[str]:
        try:
            return await read_sitemaps(fetcher, sources, on_urls)
        finally:
            await fetcher.aclose()

    notes = asyncio.run(main())
    return found, notes, requested


def test_read_sitemaps_follows_index_to_gzipped_children() -> None:
    routes = {
        "/sitemap_index.xml": httpx.Response(200, content=index("https://h/s/pages.xml.gz")),
        "/s/pages.xml.gz": httpx.Response(
            200,
            content=gzip.compress(urlset("https://h/only-here")),
            headers={"Content-Type": "application/x-gzip"},
        ),
    }
    found, notes, requested = _read(routes, [SitemapSource("https://h/sitemap_index.xml", True)])
    assert found == [("https://h/s/pages.xml.gz", ["https://h/only-here"])]
    assert notes == []
    assert requested == ["/sitemap_index.xml", "/s/pages.xml.gz"]


def test_read_sitemaps_notes_declared_failures_only() -> None:
    sources = [
        SitemapSource("https://h/declared.xml", True),
        SitemapSource("https://h/sitemap.xml", False),
    ]
    found, notes, _ = _read({}, sources)
    assert found == []
    assert notes == ["sitemap https://h/declared.xml not read: HTTP 404"]


def test_read_sitemaps_reads_each_sitemap_once() -> None:
    routes = {
        "/a.xml": httpx.Response(200, content=index("https://h/b.xml", "https://h/a.xml")),
        "/b.xml": httpx.Response(200, content=index("https://h/a.xml", "https://h/c.xml")),
        "/c.xml": httpx.Response(200, content=urlset("https://h/x")),
    }
    found, _, requested = _read(routes, [SitemapSource("https://h/a.xml", True)])
    assert requested == ["/a.xml", "/b.xml", "/c.xml"]
    assert found == [("https://h/c.xml", ["https://h/x"])]


def test_read_sitemaps_stops_when_told() -> None:
    routes = {
        "/i.xml": httpx.Response(200, content=index("https://h/1.xml", "https://h/2.xml")),
        "/1.xml": httpx.Response(200, content=urlset("https://h/a", "https://h/b")),
        "/2.xml": httpx.Response(200, content=urlset("https://h/c")),
    }
    found, _, requested = _read(routes, [SitemapSource("https://h/i.xml", True)], stop_after=2)
    assert [f[0] for f in found] == ["https://h/1.xml"]
    assert "/2.xml" not in requested
