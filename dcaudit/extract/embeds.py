"""Embedded third-party platforms: iframes and scripts whose host is in the platforms pack.

Chat widgets become contact channels; one script per platform is kept, since a widget often
loads several files from the same provider.
"""

from __future__ import annotations

from dcaudit.engine.catalogs import PlatformCatalog
from dcaudit.extract.candidates import Candidate
from dcaudit.extract.document import ParsedPage
from dcaudit.extract.labels import accessible_name, is_hidden
from dcaudit.extract.page_index import PageIndex
from dcaudit.extract.urls import absolute_url


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
