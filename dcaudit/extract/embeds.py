"""Embedded third-party platforms: iframes and scripts whose host is in the platforms pack.

Chat widgets become contact channels; one script per platform is kept, since a widget often
loads several files from the same provider.
"""

from __future__ import annotations

import re

import lxml.html

from dcaudit.engine.catalogs import PlatformCatalog
from dcaudit.extract.candidates import Candidate
from dcaudit.extract.labels import accessible_name, is_hidden
from dcaudit.extract.page_index import PageIndex
from dcaudit.extract.urls import absolute_url
from dcaudit.parse.document import ParsedPage

_HOST_IN_CODE = re.compile(r"(?:https?:)?//((?:[a-z0-9-]+\.)+[a-z]{2,})(/[\w./-]*)?", re.IGNORECASE)
INLINE_SCRIPT = "inline-script"  # what labels call a script written in the page


def _inline_platform_url(element: lxml.html.HtmlElement, platforms: PlatformCatalog) -> str | None:
    """The first platform address in an inline script's code (a survey intercept or chat
    loader is often a few lines of code that fetch the provider's script)."""
    code = (element.text or "")[:20_000]
    for match in _HOST_IN_CODE.finditer(code):
        url = f"https://{match.group(1)}{match.group(2) or '/'}"
        if platforms.lookup(url, allow_path_only=False) is not None:
            return url
    return None


def extract_embeds(
    parsed: ParsedPage, index: PageIndex, platforms: PlatformCatalog
) -> list[Candidate]:
    candidates: list[Candidate] = []
    seen_scripts: set[str] = set()
    for element in parsed.root.iter("iframe", "script", "embed", "object"):
        if element.tag == "object":
            source = element.get("data")
        else:
            source = element.get("src") or element.get("data-src")
        if (not source or not source.strip()) and element.tag == "script":
            source = _inline_platform_url(element, platforms)
        if not source or not source.strip():
            continue
        url = absolute_url(parsed, source)
        if url is None:
            continue
        is_script = element.tag == "script"
        platform = platforms.lookup(url, allow_path_only=not is_script)
        if platform is None or platform.category in platforms.link_only:
            continue
        if is_script:
            if platform.name in seen_scripts:
                continue
            seen_scripts.add(platform.name)
            label = platform.name
        else:
            if is_hidden(element) and platform.category != "chat":
                continue
            label = accessible_name(element, index) or element.get("name") or platform.name
        candidates.append(
            Candidate(
                kind=platforms.embed_kind(platform),
                element=element,
                label=label,
                target=url,
                platform=platform,
            )
        )
    return candidates
