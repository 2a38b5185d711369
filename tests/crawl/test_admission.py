"""Admission: which discovered URLs are queued, and why the others are not."""

from __future__ import annotations

import asyncio

from dcaudit.config import Settings
from dcaudit.crawl.admission import Admission, Found
from dcaudit.crawl.content import load_content_rules
from dcaudit.crawl.frontier import Scope
from dcaudit.crawl.politeness import HostSlots, Robots
from dcaudit.crawl.results import FetchResult, RedirectStop
from dcaudit.models import FrontierEntry, Link, Skip, SkipReason
from dcaudit.parse.document import parse_html

from .fakes import FakeClock

HOME = FrontierEntry("https://h/", 0, None)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def admission(**settings: object) -> Admission:
    async def fetch(url: str) -> FetchResult:
        return FetchResult(url=url, final_url=url, status=200, body=ROBOTS)

    options: dict[str, object] = {"max_depth": 2, "trap_max_per_pattern": 2, **settings}
    config = Settings(**options)  # type: ignore[arg-type]
    robots = Robots(fetch, config.user_agent)
    scope = Scope.from_settings(config, ["https://h/"])
    return Admission(config, scope, robots, load_content_rules(), seeds=["https://h/"])


def test_admission_verdict_reasons_in_order() -> None:
    gate = admission(exclude=("/old/",))

    async def main() -> list[object]:
        return [
            await gate.verdict("https://h/old/logo.png", 1),  # exclude comes first
            await gate.verdict("https://h/logo.png", 9),  # then the file type
            await gate.verdict("https://h/deep", 3),  # then depth
            await gate.verdict("https://h/private/x", 1),  # then robots.txt
            await gate.verdict("https://h/p/1", 1),
            await gate.verdict("https://h/p/2", 1),
            await gate.verdict("https://h/p/3", 1),  # then the trap guard
        ]

    assert asyncio.run(main()) == [
        (SkipReason.EXCLUDED, None),
        (SkipReason.CONTENT_TYPE, ".png"),
        (SkipReason.MAX_DEPTH, "depth 3"),
        (SkipReason.ROBOTS, "disallowed by robots.txt"),
        None,
        None,
        (SkipReason.TRAP, "/p/*"),
    ]


def test_admission_sorts_links_on_a_page() -> None:
    gate = admission()
    html = """
    <a href="/a">A</a><a href="/a#x">A again</a><a href="/private/p">P</a>
    <a href="mailto:x@h">Mail</a><a href="mailto:x@h">Mail again</a>
    <a href="https://other/">Other</a><a href="/img.gif">Img</a>
    """
    found = Found()
    asyncio.run(gate.links_on(parse_html("https://h/", html), HOME, found))
    assert found.entries == [FrontierEntry("https://h/a", 1, "https://h/")]
    assert found.links == [
        Link("https://h/", "mailto:x@h", "Mail", "non_http"),
        Link("https://h/", "https://other/", "Other", "out_of_scope"),
    ]
    assert [(s.url, s.reason) for s in found.skips] == [
        ("https://h/private/p", SkipReason.ROBOTS),
        ("mailto:x@h", SkipReason.NON_HTTP),
        ("https://other/", SkipReason.OUT_OF_SCOPE),
        ("https://h/img.gif", SkipReason.CONTENT_TYPE),
    ]
    again = Found()  # a second page: known URLs queue nothing, links are kept per page
    asyncio.run(gate.links_on(parse_html("https://h/b", html), HOME, again))
    assert again.entries == [] and again.skips == [] and len(again.links) == 2


def test_admission_redirect_decisions() -> None:
    gate = admission()
    page = FrontierEntry("https://h/page", 1, "https://h/")

    async def main() -> tuple[list[RedirectStop | None], Found]:
        found = Found()
        gate.seen.add("https://h/known")
        answers = [
            await gate.redirect("https://h/new", page, found),
            await gate.redirect("https://h/known", page, found),
            await gate.redirect("https://pay.example/x", page, found),
            await gate.redirect("https://h/private/x", page, found),
        ]
        return answers, found

    answers, found = asyncio.run(main())
    assert answers == [
        None,
        RedirectStop("already known"),
        RedirectStop("out of scope"),
        RedirectStop("disallowed by robots.txt"),
    ]
    assert found.done == [FrontierEntry("https://h/new", 1, "https://h/page")]
    assert [(s.url, s.reason) for s in found.skips] == [
        ("https://pay.example/x", SkipReason.OUT_OF_SCOPE),
        ("https://h/private/x", SkipReason.ROBOTS),
    ]


def test_admission_seed_redirect_to_www_widens_scope_once() -> None:
    gate = admission()
    found = Found()
    stop = asyncio.run(gate.redirect("https://www.h/", HOME, found))
    assert stop is None and "www.h" in gate.scope.hosts
    assert gate.notes == [
        "seed https://h/ redirects to https://www.h/: host www.h added to the scope"
    ]
    other = asyncio.run(
        gate.redirect("https://www.x/", FrontierEntry("https://h/a", 1, None), Found())
    )
    assert other == RedirectStop("out of scope")


def test_admission_sitemap_locations() -> None:
    gate = admission()

    async def main() -> list[object]:
        return [
            await gate.sitemap_location(" https://h/only ", "https://h/sm.xml"),
            await gate.sitemap_location("https://h/only", "https://h/sm.xml"),
            await gate.sitemap_location("https://elsewhere/x", "https://h/sm.xml"),
            await gate.sitemap_location("https://h/private/y", "https://h/sm.xml"),
            await gate.sitemap_location("not a url", "https://h/sm.xml"),
        ]

    assert asyncio.run(main()) == [
        FrontierEntry("https://h/only", 1, "https://h/sm.xml"),
        None,
        None,
        Skip(
            "https://h/private/y", SkipReason.ROBOTS, "https://h/sm.xml", "disallowed by robots.txt"
        ),
        None,
    ]
    assert gate.sitemap_elsewhere == 1


def test_robots_crawl_delay_becomes_the_host_delay() -> None:
    async def fetch(url: str) -> FetchResult:
        return FetchResult(
            url=url, final_url=url, status=200, body=b"User-agent: *\nCrawl-delay: 3"
        )

    slots = HostSlots(2, 0.5, FakeClock())
    robots = Robots(fetch, "dcaudit/0.1.0", slots=slots)
    assert asyncio.run(robots.blocked("https://h:8443/a")) is None
    assert slots.get("h:8443").delay == 3
    assert slots.get("other").delay == 0.5
