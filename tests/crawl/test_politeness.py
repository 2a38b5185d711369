"""Per-host slots and robots.txt (RFC 9309) through protego."""

from __future__ import annotations

import asyncio

import pytest

from dcaudit.crawl.politeness import HostSlot, HostSlots, Robots, robots_rules
from dcaudit.crawl.results import FetchResult

from .fakes import FakeClock

UA = "dcaudit/0.1.0"
ORIGIN = "https://example.gov.uk"
ROBOTS = b"""
User-agent: *
Disallow: /

User-agent: dcaudit
Disallow: /private/
Allow: /private/open.html
Disallow: /*.cgi$
Disallow: /members/*/edit
Crawl-delay: 2.5

Sitemap: https://example.gov.uk/sitemap_index.xml
"""


def _robots(status: int | None, body: bytes | None = None, **kwargs: object) -> FetchResult:
    return FetchResult(
        url=ORIGIN + "/robots.txt",
        final_url=ORIGIN + "/robots.txt",
        status=status,
        body=body,
        **kwargs,  # type: ignore[arg-type]
    )


def test_host_slot_spaces_request_starts_by_delay() -> None:
    clock = FakeClock()
    slot = HostSlot(concurrency=2, delay=1.5, clock=clock)
    starts: list[float] = []

    async def request() -> None:
        async with slot.turn():
            starts.append(clock.monotonic())

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(4)))

    asyncio.run(main())
    assert [round(s - starts[0], 3) for s in starts] == [0.0, 1.5, 3.0, 4.5]


def test_host_slot_limits_requests_in_flight() -> None:
    slot = HostSlot(concurrency=2, delay=0, clock=FakeClock())
    in_flight = 0
    peak = 0

    async def request() -> None:
        nonlocal in_flight, peak
        async with slot.turn():
            in_flight += 1
            peak = max(peak, in_flight)
            for _ in range(3):
                await asyncio.sleep(0)
            in_flight -= 1

    async def main() -> None:
        await asyncio.gather(*(request() for _ in range(6)))

    asyncio.run(main())
    assert peak == 2


def test_host_slot_defer_holds_the_next_request() -> None:
    clock = FakeClock()
    slot = HostSlot(concurrency=1, delay=0, clock=clock)

    async def main() -> None:
        slot.defer(7)
        async with slot.turn():
            pass

    asyncio.run(main())
    assert clock.sleeps == [7]


def test_host_slots_share_one_slot_per_host() -> None:
    slots = HostSlots(2, 0.25, FakeClock())
    assert slots.get("a") is slots.get("a")
    assert slots.get("a") is not slots.get("b")
    assert slots.get("b").delay == 0.25


def test_robots_rules_apply_our_user_agent_group() -> None:
    rules = robots_rules(ORIGIN, _robots(200, ROBOTS), UA)
    allowed = {
        "/": True,
        "/private/secret.html": False,
        "/private/open.html": True,
        "/script.cgi": False,
        "/script.cgi?x=1": True,
        "/members/42/edit": False,
        "/members/42/view": True,
    }
    assert {path: rules.allows(ORIGIN + path, UA) for path in allowed} == allowed
    assert rules.crawl_delay == 2.5
    assert rules.sitemaps == ("https://example.gov.uk/sitemap_index.xml",)
    assert not rules.allows(ORIGIN + "/", "otherbot/1.0")  # the * group disallows all


@pytest.mark.parametrize("status", [404, 410, 401, 403])
def test_robots_rules_4xx_means_allow_all(status: int) -> None:
    rules = robots_rules(ORIGIN, _robots(status, b"User-agent: *\nDisallow: /"), UA)
    assert rules.allows(ORIGIN + "/anything", UA)
    assert not rules.disallow_all and rules.problem is None


@pytest.mark.parametrize("status", [500, 503])
def test_robots_rules_5xx_means_disallow_all(status: int) -> None:
    rules = robots_rules(ORIGIN, _robots(status), UA)
    assert not rules.allows(ORIGIN + "/", UA)
    assert rules.problem == f"robots.txt answered HTTP {status}"
    assert not rules.unreachable


def test_robots_rules_unreachable_host_disallows_and_says_so() -> None:
    result = _robots(None, error="connection refused", connect_failed=True)
    rules = robots_rules(ORIGIN, result, UA)
    assert rules.disallow_all and rules.unreachable
    assert rules.problem == "robots.txt could not be fetched (connection refused)"


def test_robots_fetched_once_for_concurrent_callers() -> None:
    fetched: list[str] = []

    async def fetch(url: str) -> FetchResult:
        fetched.append(url)
        await asyncio.sleep(0)
        return _robots(200, b"User-agent: *\nDisallow: /x")

    robots = Robots(fetch, UA)

    async def main() -> list[bool]:
        rules = await asyncio.gather(*(robots.rules(ORIGIN) for _ in range(5)))
        return [r.allows(ORIGIN + "/x", UA) for r in rules]

    assert asyncio.run(main()) == [False] * 5
    assert fetched == [ORIGIN + "/robots.txt"]


def test_robots_disabled_allows_everything_without_fetching() -> None:
    async def fetch(url: str) -> FetchResult:
        raise AssertionError("robots.txt must not be fetched")

    robots = Robots(fetch, UA, enabled=False)
    rules = asyncio.run(robots.rules(ORIGIN))
    assert rules.allows(ORIGIN + "/private/", UA)


def test_robots_rules_parse_the_start_of_an_oversized_file() -> None:
    head = b"User-agent: *\nDisallow: /private/\n"
    result = _robots(200, head, error="too large", bytes_read=10_000_000)
    rules = robots_rules(ORIGIN, result, UA)
    assert not rules.allows(ORIGIN + "/private/x", UA)
