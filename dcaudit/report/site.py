"""The audited site's name for report titles: ``og:site_name``, else the home page's title,
else the host; the host is always shown beside it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import lxml.html

from dcaudit.models import Page, Run
from dcaudit.report.text import plain

NAME_LIMIT = 80
# a home page's title often names the page, then the site: "Home - Example Council"
_TITLE_PARTS = re.compile(r"\s+[-|–—:·»]+\s+")
_HOME_WORDS = frozenset({"home", "home page", "homepage", "welcome", "hafan", "croeso"})


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # a malformed stored URL must not stop the report
        return ""


def home_page(run: Run, pages: Iterable[Page]) -> Page | None:
    """The first seed's page if it was fetched, else the first of the shallowest HTML pages
    (one pass, keeping one page: a large run's pages are read from the store)."""
    seed = run.seeds[0] if run.seeds else None
    shallowest: Page | None = None
    for page in pages:
        if not page.is_html:
            continue
        if seed in (page.url, page.final_url):
            return page
        if shallowest is None or page.depth < shallowest.depth:
            shallowest = page
    return shallowest


def og_site_name(html: str) -> str | None:
    """``<meta property="og:site_name">`` of a page, if any."""
    try:
        root = lxml.html.document_fromstring(html[:200_000])
    except (ValueError, lxml.etree.ParserError):
        return None
    for meta in root.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").strip().lower() == "og:site_name":
            content = " ".join((meta.get("content") or "").split())
            if content:
                return content
    return None


def name_from_title(title: str | None) -> str | None:
    """The site's part of a home page title: "Home - Example Council" -> "Example Council"."""
    if not title or not title.strip():
        return None
    parts = [p for p in _TITLE_PARTS.split(" ".join(title.split())) if p]
    kept = [p for p in parts if p.lower() not in _HOME_WORDS]
    return " - ".join(kept) if kept else None


def site_name(run: Run, pages: Iterable[Page], home_html: str | None = None) -> str:
    """The name to title a report with (plain text, bounded)."""
    home = home_page(run, pages)
    name = (og_site_name(home_html) if home_html else None) or name_from_title(
        home.title if home else None
    )
    if name:
        return plain(name, NAME_LIMIT)
    if not run.seeds:
        return "(no seed)"
    host = host_of(run.seeds[0]) or run.seeds[0]
    others = len({host_of(s) for s in run.seeds}) - 1
    if others:
        return plain(f"{host} and {others} other site{'s' if others > 1 else ''}", NAME_LIMIT)
    return plain(host, NAME_LIMIT)
