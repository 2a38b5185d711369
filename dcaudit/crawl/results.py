"""What a fetch gives back: the :class:`FetchResult` of one URL after its redirects.

A module of its own so that readers of results (robots.txt rules in
:mod:`~dcaudit.crawl.politeness`, admission, the crawl) need not import the fetcher, which
itself uses the politeness slots.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcaudit.crawl.content import ContentKind, media_type


@dataclass(frozen=True)
class RedirectStop:
    """Why a redirect was not followed (the target is out of scope, disallowed, known...)."""

    reason: str


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int | None = None
    content_type: str | None = None  # the header as sent
    content_length: int | None = None
    kind: ContentKind | None = None
    body: bytes | None = None  # HTML pages and resources only; None when too large
    bytes_read: int = 0
    error: str | None = None
    connect_failed: bool = False  # the host could not be reached (DNS, refused, TLS...)
    redirects: tuple[str, ...] = ()  # every URL that answered with a redirect, in order
    redirect_stop: RedirectStop | None = None
    elapsed_ms: float | None = None
    security_headers: tuple[tuple[str, str], ...] = ()  # the fetcher's SECURITY_HEADERS only

    @property
    def media_type(self) -> str | None:
        return media_type(self.content_type)


__all__ = ["FetchResult", "RedirectStop"]
