"""The page record every check family runs on (checks/protocol.py).

The pipeline builds one :class:`PageRecord` per HTML page as it is crawled and hands the
same record to every family; rule examples build theirs from the example page
(checks/examples.py). What the browser measured on the page travels with it as
:class:`BrowserEvidence` when there is any.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dcaudit.checks.findings import InteractionLocator
from dcaudit.config import Settings
from dcaudit.models import Interaction, Page
from dcaudit.parse.document import ParsedPage


@dataclass(frozen=True)
class BrowserEvidence:
    """What a browser measured on the page: its requests and transfer size (resource
    timing) and the interactions in its rendered DOM. Missing numbers are estimated from
    the HTML by the checks that need them."""

    request_count: int | None = None
    transfer_bytes: int | None = None
    rendered: tuple[Interaction, ...] | None = None


@dataclass
class PageRecord:
    """One HTML page as every check family sees it. Families may update ``page`` with what
    they measure (exclusion sets its reading grade)."""

    parsed: ParsedPage
    page: Page
    interactions: Sequence[Interaction] = ()
    settings: Settings = field(default_factory=Settings)
    headers: Mapping[str, str] | None = None  # the response headers, when the crawl kept them
    browser: BrowserEvidence | None = None

    @functools.cached_property
    def locator(self) -> InteractionLocator:
        """Which interaction holds an element: built once, shared by every family."""
        return InteractionLocator(self.parsed.root, self.interactions)

    @classmethod
    def of(cls, parsed: ParsedPage) -> PageRecord:
        """A record of a parsed page alone (no crawl behind it: benchmarks, debugging)."""
        return cls(parsed=parsed, page=bare_page(parsed))


def bare_page(parsed: ParsedPage, final_url: str | None = None) -> Page:
    """The Page of a document that was parsed without being crawled."""
    return Page(
        url=parsed.url,
        final_url=final_url or parsed.url,
        status=200,
        content_type="text/html",
        bytes=None,
        depth=0,
        lang=parsed.lang,
        title=parsed.title,
    )
