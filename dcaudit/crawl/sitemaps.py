"""Sitemaps (sitemaps.org): URL sets, sitemap indexes, gzip, and the plain-text form.

Sitemaps come from ``Sitemap:`` lines in robots.txt and ``/sitemap.xml`` on each seed's
origin. Bodies are parsed as they stream in, so memory stays small for a 50 MB sitemap;
gzip is recognised by its magic bytes (``.xml.gz`` files and gzip content alike) and
inflated with a cap. The XML parser never resolves entities or touches the network.
"""

from __future__ import annotations

import contextlib
import logging
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from dcaudit.crawl.frontier import normalise_url

if TYPE_CHECKING:
    from dcaudit.crawl.fetcher import Fetcher

log = logging.getLogger(__name__)

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the protocol's limit for one uncompressed sitemap
MAX_SITEMAPS = 50  # sitemap files read per crawl
MAX_INDEX_DEPTH = 3  # index -> index -> ... -> urlset
_GZIP_MAGIC = b"\x1f\x8b"
_INFLATE_STEP = 256 * 1024


class SitemapTooLarge(Exception):
    """The uncompressed sitemap passed MAX_SITEMAP_BYTES (control flow, never leaves here)."""


@dataclass
class Sitemap:
    is_index: bool = False
    locations: list[str] = field(default_factory=list)
    problem: str | None = None


class SitemapParser:
    """Feed a sitemap's bytes as they arrive; :meth:`close` gives the locations found."""

    def __init__(self, max_bytes: int = MAX_SITEMAP_BYTES) -> None:
        self._max_bytes = max_bytes
        self._size = 0
        self._started = False
        self._inflater: zlib._Decompress | None = None
        self._mode: str | None = None  # "xml" or "text", from the first content byte
        self._text_tail = b""
        self._xml = etree.XMLPullParser(
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            recover=True,
        )
        self._root_seen = False
        self.result = Sitemap()

    def feed(self, data: bytes) -> None:
        if not self._started:
            self._started = True
            if data.startswith(_GZIP_MAGIC):
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._inflater is None:
            self._take(data)
            return
        try:
            out = self._inflater.decompress(data, _INFLATE_STEP)
            self._take(out)
            while self._inflater.unconsumed_tail:
                out = self._inflater.decompress(self._inflater.unconsumed_tail, _INFLATE_STEP)
                self._take(out)
        except zlib.error as exc:
            raise ValueError(f"not valid gzip ({exc})") from exc

    def close(self) -> Sitemap:
        if self._inflater is not None:
            self._take(self._inflater.flush())
        if self._mode == "xml":
            with contextlib.suppress(etree.XMLSyntaxError):  # recover mode: keep what was read
                self._xml.close()
            self._collect()
        elif self._mode == "text":
            self._text_lines(self._text_tail, final=True)
        return self.result

    def _take(self, data: bytes) -> None:
        if not data:
            return
        self._size += len(data)
        if self._size > self._max_bytes:
            raise SitemapTooLarge
        if self._mode is None:
            stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
            if not stripped:
                return
            self._mode = "xml" if stripped.startswith(b"<") else "text"
        if self._mode == "xml":
            self._xml.feed(data)
            self._collect()
        else:
            self._text_lines(self._text_tail + data, final=False)

    def _collect(self) -> None:
        for event, item in self._xml.read_events():
            if not isinstance(item, etree._Element):
                continue  # namespace events: not asked for
            element = item
            name = _local_name(element)
            if event == "start":
                if not self._root_seen:
                    self._root_seen = True
                    self.result.is_index = name == "sitemapindex"
                continue
            if name == "loc":
                parent = element.getparent()
                if parent is not None and _local_name(parent) in {"url", "sitemap"}:
                    text = (element.text or "").strip()
                    if text:
                        self.result.locations.append(text)
            elif name in {"url", "sitemap"}:
                # drop finished entries so a big sitemap never builds a big tree
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]

    def _text_lines(self, data: bytes, *, final: bool) -> None:
        lines = data.split(b"\n")
        self._text_tail = b"" if final else lines.pop()
        for line in lines:
            text = line.decode("utf-8", errors="replace").strip()
            if text.startswith(("http://", "https://")):
                self.result.locations.append(text)


def parse_sitemap(data: bytes, max_bytes: int = MAX_SITEMAP_BYTES) -> Sitemap:
    """Parse a whole sitemap body (XML, plain text, either gzipped)."""
    parser = SitemapParser(max_bytes)
    try:
        parser.feed(data)
        return parser.close()
    except SitemapTooLarge:
        parser.result.problem = f"larger than {max_bytes} bytes uncompressed"
    except ValueError as exc:
        parser.result.problem = str(exc)
    return parser.result


def _local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


@dataclass(frozen=True)
class SitemapSource:
    url: str
    declared: bool  # listed in robots.txt (a failure is worth a note) or only guessed


# receives the page URLs of one sitemap and the sitemap's URL; returns False to stop reading
UrlsFound = Callable[[Sequence[str], str], Awaitable[bool]]


async def read_sitemaps(
    fetcher: Fetcher,
    sources: Iterable[SitemapSource],
    on_urls: UrlsFound,
    tracking_params: Sequence[str] = (),
) -> list[str]:
    """Read sitemaps breadth first, following indexes; returns notes on failures."""
    notes: list[str] = []
    queue: list[tuple[SitemapSource, int]] = []
    seen: set[str] = set()
    for source in sources:
        url = normalise_url(source.url, tracking_params)
        if url is not None and url not in seen:
            seen.add(url)
            queue.append((SitemapSource(url, source.declared), 0))
    read = 0
    while queue:
        source, depth = queue.pop(0)
        if read >= MAX_SITEMAPS:
            notes.append(f"sitemaps: stopped after {MAX_SITEMAPS} sitemap files")
            break
        read += 1
        sitemap, problem = await _fetch_sitemap(fetcher, source.url)
        if problem is not None:
            if source.declared or depth > 0:
                notes.append(f"sitemap {source.url} not read: {problem}")
            continue
        if sitemap.is_index:
            if depth >= MAX_INDEX_DEPTH:
                notes.append(f"sitemap {source.url}: indexes nested too deep; not followed")
                continue
            for location in sitemap.locations:
                child = normalise_url(location, tracking_params)
                if child is not None and child not in seen:
                    seen.add(child)
                    queue.append((SitemapSource(child, True), depth + 1))
        elif not await on_urls(sitemap.locations, source.url):
            break
    return notes


async def _fetch_sitemap(fetcher: Fetcher, url: str) -> tuple[Sitemap, str | None]:
    parser = SitemapParser()
    failure: str | None = None

    def sink(chunk: bytes) -> None:
        nonlocal failure
        if failure is None:
            try:
                parser.feed(chunk)
            except SitemapTooLarge:
                failure = f"larger than {MAX_SITEMAP_BYTES} bytes uncompressed"
            except ValueError as exc:
                failure = str(exc)

    result = await fetcher.fetch_resource(url, limit=MAX_SITEMAP_BYTES, sink=sink)
    if result.error is not None:
        return Sitemap(), result.error
    if failure is not None:
        return Sitemap(), failure
    try:
        return parser.close(), None
    except SitemapTooLarge:
        return Sitemap(), f"larger than {MAX_SITEMAP_BYTES} bytes uncompressed"
