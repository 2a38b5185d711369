"""Politeness: per-host request limits and delays, and robots.txt (RFC 9309) through protego.

robots.txt outcomes, per origin (scheme, host and port):

- 2xx: its rules apply to our user agent (Disallow, Allow, ``*``/``$`` wildcards, Crawl-delay);
- 4xx, including 404: no robots.txt, everything is allowed (RFC 9309 section 2.3.1.3);
- 5xx after retries, or the host cannot be reached: everything is disallowed for this run
  (RFC 9309 section 2.3.1.4 asks crawlers to assume complete disallow), and a note says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from protego import Protego

from dcaudit.crawl.clock import Clock
from dcaudit.crawl.frontier import host_of, origin_of
from dcaudit.crawl.results import FetchResult

ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks parsers to read at least 500 KiB


class HostSlot:
    """At most ``concurrency`` requests in flight to one host, starts ``delay`` seconds apart."""

    def __init__(self, concurrency: int, delay: float, clock: Clock) -> None:
        self._turns = asyncio.Semaphore(max(1, concurrency))
        self.delay = delay
        self._clock = clock
        self._next_start = float("-inf")

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._turns:
            now = self._clock.monotonic()
            start = max(now, self._next_start)
            # book the start time before waiting, so waiting requests queue up behind each other
            self._next_start = start + self.delay
            if start > now:
                await self._clock.sleep(start - now)
            yield

    def defer(self, seconds: float) -> None:
        """Hold every request to this host for ``seconds`` (the server asked us to wait)."""
        self._next_start = max(self._next_start, self._clock.monotonic() + seconds)


class HostSlots:
    """One :class:`HostSlot` per host, created on first use."""

    def __init__(self, concurrency: int, delay: float, clock: Clock) -> None:
        self.concurrency = concurrency
        self.delay = delay
        self._clock = clock
        self._slots: dict[str, HostSlot] = {}

    def get(self, host: str) -> HostSlot:
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = HostSlot(self.concurrency, self.delay, self._clock)
        return slot


@dataclass(frozen=True)
class RobotsRules:
    """What one origin's robots.txt allows us."""

    origin: str
    parser: Protego | None = None  # None: no rules
    disallow_all: bool = False
    problem: str | None = None  # why everything is disallowed
    unreachable: bool = False  # the host could not be reached at all
    cause: str | None = None  # the request failure, when robots.txt could not be fetched
    crawl_delay: float | None = None
    sitemaps: tuple[str, ...] = ()

    def allows(self, url: str, user_agent: str) -> bool:
        if self.disallow_all:
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, user_agent))


def robots_rules(origin: str, result: FetchResult, user_agent: str) -> RobotsRules:
    """Turn the fetch of ``origin``/robots.txt into rules, following RFC 9309."""
    if result.status is None:
        return RobotsRules(
            origin,
            disallow_all=True,
            problem=f"robots.txt could not be fetched ({result.error})",
            unreachable=result.connect_failed,
            cause=result.error,
        )
    if result.status >= 500:
        return RobotsRules(
            origin, disallow_all=True, problem=f"robots.txt answered HTTP {result.status}"
        )
    if result.status >= 400 or result.body is None:
        return RobotsRules(origin)  # a body over the limit arrives as its first bytes
    if result.status >= 300:  # redirects exhausted or looping: treat as unavailable
        return RobotsRules(origin)
    text = result.body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
    try:
        parser = Protego.parse(text)
        delay = parser.crawl_delay(user_agent)
        sitemaps = tuple(str(s) for s in parser.sitemaps)
    except Exception as exc:  # protego on hostile text: never let it stop the crawl
        return RobotsRules(origin, problem=f"robots.txt could not be parsed ({exc}); ignored")
    return RobotsRules(
        origin,
        parser=parser,
        crawl_delay=float(delay) if delay is not None else None,
        sitemaps=sitemaps,
    )


class Robots:
    """robots.txt per origin, fetched once and shared by every request to that origin.

    With ``slots``, a Crawl-delay longer than the host's delay becomes its delay
    (the effective delay is the larger of ``settings.delay`` and Crawl-delay).
    """

    def __init__(
        self,
        fetch: Callable[[str], Awaitable[FetchResult]],
        user_agent: str,
        *,
        enabled: bool = True,
        slots: HostSlots | None = None,
    ) -> None:
        self._fetch = fetch
        self.user_agent = user_agent
        self.enabled = enabled
        self._slots = slots
        self._rules: dict[str, RobotsRules] = {}
        self._loading: dict[str, asyncio.Future[RobotsRules]] = {}

    async def blocked(self, url: str) -> str | None:
        """None when robots.txt lets us fetch ``url`` (a normalised URL), else why not."""
        origin = origin_of(url)
        rules = self.cached(origin) or await self.rules(origin)
        if rules.allows(url, self.user_agent):
            return None
        return rules.problem or "disallowed by robots.txt"

    def cached(self, origin: str) -> RobotsRules | None:
        if not self.enabled:
            return RobotsRules(origin)
        return self._rules.get(origin)

    async def rules(self, origin: str) -> RobotsRules:
        known = self.cached(origin)
        if known is not None:
            return known
        pending = self._loading.get(origin)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[RobotsRules] = asyncio.get_running_loop().create_future()
        self._loading[origin] = future
        try:
            result = await self._fetch(origin + "/robots.txt")
            rules = robots_rules(origin, result, self.user_agent)
        except asyncio.CancelledError:
            del self._loading[origin]
            future.cancel()
            raise
        except Exception as exc:
            del self._loading[origin]
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        if self._slots is not None and rules.crawl_delay is not None:
            slot = self._slots.get(host_of(origin))
            slot.delay = max(slot.delay, rules.crawl_delay)
        self._rules[origin] = rules
        del self._loading[origin]
        future.set_result(rules)
        return rules

    def all_rules(self) -> list[RobotsRules]:
        return list(self._rules.values())
