"""The crawler: frontier (scope, normalisation, dedupe, trap guard), politeness (robots.txt,
per-host limits), sitemaps, fetcher (retries, size and time limits), transport and network
(HTTP/1.1 connections on asyncio) and the crawl.

The pipeline calls :func:`crawl`; everything it needs is re-exported here.
"""

from dcaudit.crawl.clock import Clock, SystemClock
from dcaudit.crawl.crawler import Analyse, CrawlProgress, CrawlReport, PageAnalysis, crawl
from dcaudit.crawl.frontier import Scope, normalise_url

__all__ = [
    "Analyse",
    "Clock",
    "CrawlProgress",
    "CrawlReport",
    "PageAnalysis",
    "Scope",
    "SystemClock",
    "crawl",
    "normalise_url",
]
