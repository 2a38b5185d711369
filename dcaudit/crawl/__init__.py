"""The crawler: frontier (scope, normalisation, dedupe, trap guard), politeness (robots.txt,
per-host limits), sitemaps, fetcher (redirects, retries, size and time limits) on one httpx
client (proxies, TLS, the address guard) and the crawl.

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
