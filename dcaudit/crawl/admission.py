"""Which URLs the crawl follows: each URL is queued once, or recorded with why it is not.

Decisions, in the order a discovered URL meets them: non-HTTP link (recorded, never
fetched), out of scope (recorded as a link and a skip), already seen, include/exclude,
a file type never worth fetching, depth, robots.txt, the trap guard.

Seeds are crawled whatever the include/exclude patterns and the trap guard say (robots.txt
still applies). A seed that redirects between ``host`` and ``www.host`` brings the other
name into scope, with a note; any other redirect to another host ends at the boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dcaudit.config import Settings
from dcaudit.crawl.addresses import address_kind
from dcaudit.crawl.content import ContentRules
from dcaudit.crawl.frontier import Scope, TrapGuard, host_of, normalise_url, url_pattern
from dcaudit.crawl.links import FRAME_TAGS, MAX_KEPT_URL, iter_link_tuples, link_text
from dcaudit.crawl.politeness import Robots
from dcaudit.crawl.results import RedirectStop
from dcaudit.models import FrontierEntry, Link, Skip, SkipReason
from dcaudit.parse.document import ParsedPage

LINK_CACHE_SIZE = 20_000  # absolute link -> (normalised, in scope); cleared when full
_HTTP = frozenset({"http", "https"})

Verdict = tuple[SkipReason, str | None] | None


@dataclass
class Found:
    """What one fetched URL led to, written with its page in one transaction."""

    entries: list[FrontierEntry] = field(default_factory=list)  # newly queued
    done: list[FrontierEntry] = field(default_factory=list)  # redirect targets already fetched
    skips: list[Skip] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # non-HTTP and out-of-scope links


class Admission:
    def __init__(
        self,
        settings: Settings,
        scope: Scope,
        robots: Robots,
        content: ContentRules,
        seeds: Iterable[str] = (),
    ) -> None:
        self.settings = settings
        self.scope = scope
        self.robots = robots
        self.content = content
        self.trap = TrapGuard(settings.trap_max_per_pattern)
        self.tracking = tuple(settings.tracking_params)
        self.seeds = set(seeds)
        self.seen: set[str] = set()
        self.notes: list[str] = []
        self.sitemap_elsewhere = 0  # sitemap URLs on other hosts, ignored
        # links and redirects to private addresses, not followed: how many, and the first
        self.private: tuple[int, str | None] = (0, None)
        self._link_cache: dict[str, tuple[str | None, bool]] = {}

    def restore(self, seen: set[str], admitted: Iterable[str], cut: Iterable[str]) -> None:
        """Carry on from an earlier session: what it saw, queued and cut."""
        self.seen = seen
        self.trap.restore(admitted, cut)

    async def seed(self, url: str) -> Verdict | bool:
        """Admit a seed: False for a duplicate, a robots verdict, or True to queue it."""
        if url in self.seen:
            return False
        self.seen.add(url)
        self.trap.force(url)
        blocked = await self.robots.blocked(url)
        return (SkipReason.ROBOTS, blocked) if blocked is not None else True

    async def verdict(self, url: str, depth: int) -> Verdict:
        """For a new in-scope URL (already marked seen): why not to crawl it, or None."""
        if self.scope.excluded(url):
            return SkipReason.EXCLUDED, None
        extension = self.content.skipped_extension(url)
        if extension is not None:
            return SkipReason.CONTENT_TYPE, f".{extension}"
        if depth > self.settings.max_depth:
            return SkipReason.MAX_DEPTH, f"depth {depth}"
        blocked = await self.robots.blocked(url)
        if blocked is not None:
            return SkipReason.ROBOTS, blocked
        if not self.trap.admit(url):
            return SkipReason.TRAP, url_pattern(url)
        return None

    async def links_on(self, parsed: ParsedPage, entry: FrontierEntry, found: Found) -> None:
        """Sort every link on a fetched page into ``found``."""
        page_url = entry.url
        depth = entry.depth + 1
        kept: set[str] = set()  # links already recorded for this page
        seen = self.seen
        cache = self._link_cache
        for url, scheme, element in iter_link_tuples(parsed):  # hot: tens of links on every page
            if scheme not in _HTTP:
                if not scheme or element.tag in FRAME_TAGS:  # about:blank, data: frames
                    continue
                url = url[:MAX_KEPT_URL]
                if url not in kept:
                    kept.add(url)
                    found.links.append(Link(page_url, url, link_text(element), "non_http"))
                if url not in seen:
                    seen.add(url)
                    found.skips.append(Skip(url, SkipReason.NON_HTTP, page_url, scheme))
                continue
            known = cache.get(url)
            normal, inside = known if known is not None else self._classify(url)
            if normal is None:
                continue
            if not inside:
                if element.tag in FRAME_TAGS:
                    continue  # content embedded from elsewhere (platform embeds are extracted)
                if normal not in kept:
                    kept.add(normal)
                    found.links.append(Link(page_url, normal, link_text(element), "out_of_scope"))
                if normal not in seen:
                    seen.add(normal)
                    found.skips.append(
                        Skip(normal, SkipReason.OUT_OF_SCOPE, page_url, self._private(normal))
                    )
                continue
            if normal in seen:
                continue
            seen.add(normal)
            verdict = await self.verdict(normal, depth)
            if verdict is not None:
                found.skips.append(Skip(normal, verdict[0], page_url, verdict[1]))
            else:
                found.entries.append(FrontierEntry(normal, depth, page_url))

    def _classify(self, url: str) -> tuple[str | None, bool]:
        """Normalise an absolute link and say whether it is in scope, remembering the answer:
        navigation links repeat on every page, so most links are a dictionary hit."""
        normal = normalise_url(url, self.tracking)
        known = (normal, normal is not None and self.scope.in_scope(normal))
        if len(self._link_cache) >= LINK_CACHE_SIZE:
            self._link_cache.clear()
        self._link_cache[url] = known
        return known

    async def redirect(
        self, target: str, entry: FrontierEntry, found: Found
    ) -> RedirectStop | None:
        """Whether the fetch of ``entry`` may follow a redirect to ``target`` (normalised)."""
        if target in self.seen:
            return RedirectStop("already known")  # fetched, queued or skipped on its own
        host = host_of(target)
        if not self.scope.in_scope(target):
            if entry.url in self.seeds and _www_alias(host, host_of(entry.url)):
                self.scope.hosts.add(host)
                self._link_cache.clear()  # scope answers changed
                self.notes.append(
                    f"seed {entry.url} redirects to {target}: host {host} added to the scope"
                )
            else:
                self.seen.add(target)
                found.links.append(Link(entry.url, target, "", "out_of_scope"))
                kind = self._private(target)
                detail = f"redirect target, {kind}" if kind else "redirect target"
                found.skips.append(Skip(target, SkipReason.OUT_OF_SCOPE, entry.url, detail))
                return RedirectStop(f"out of scope, {kind}" if kind else "out of scope")
        self.seen.add(target)
        if entry.url not in self.seeds and self.scope.excluded(target):
            found.skips.append(Skip(target, SkipReason.EXCLUDED, entry.url, "redirect target"))
            return RedirectStop("excluded")
        blocked = await self.robots.blocked(target)
        if blocked is not None:
            found.skips.append(Skip(target, SkipReason.ROBOTS, entry.url, blocked))
            return RedirectStop("disallowed by robots.txt")
        found.done.append(FrontierEntry(target, entry.depth, entry.url))
        return None

    def _private(self, url: str) -> str | None:
        """What kind of non-public address ``url``'s host is (None for a name or a public
        address), remembering the URL for the run's note."""
        if self.settings.allow_private_addresses:
            return None
        kind = address_kind((urlsplit(url).hostname or "").strip("[]"))
        if kind is not None:
            count, first = self.private
            self.private = (count + 1, first or url)
        return kind

    def private_notes(self) -> list[str]:
        count, first = self.private
        if not count:
            return []
        return [
            f"{count} links and redirects led to private, loopback or link-local addresses "
            f"on other hosts (the first: {first}); none was followed"
        ]

    async def sitemap_location(self, location: str, sitemap: str) -> FrontierEntry | Skip | None:
        """A URL listed in a sitemap: queued at depth 1, skipped with a reason, or ignored
        (invalid, already seen, or on another host)."""
        url = normalise_url(location, self.tracking)
        if url is None or url in self.seen:
            return None
        if not self.scope.in_scope(url):
            self.sitemap_elsewhere += 1
            return None
        self.seen.add(url)
        verdict = await self.verdict(url, 1)
        if verdict is not None:
            return Skip(url, verdict[0], sitemap, verdict[1])
        return FrontierEntry(url, 1, sitemap)


def _www_alias(host: str, other: str) -> bool:
    return host == f"www.{other}" or other == f"www.{host}"
