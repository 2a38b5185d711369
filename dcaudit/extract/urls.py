"""URL helpers that never raise on the malformed addresses real pages contain."""

from __future__ import annotations

from urllib.parse import urlsplit

from dcaudit.parse.document import ParsedPage


def absolute_url(parsed: ParsedPage, href: str) -> str | None:
    """``href`` resolved against the page, or None when it is not a usable URL."""
    try:
        url = parsed.absolute(href)
        urlsplit(url).port  # noqa: B018 - raises ValueError on an impossible port
    except ValueError:
        return None
    return url


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
