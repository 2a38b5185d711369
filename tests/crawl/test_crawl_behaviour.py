"""crawl(): limits, scope, seeds, robots outcomes, failures in callbacks, interruption."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import socket
import zlib
from collections import Counter
from pathlib import Path

import httpx
import pytest

from dcaudit.config import Settings
from dcaudit.crawl import CrawlProgress, PageAnalysis, crawl
from dcaudit.crawl.crawler import ANALYSE_RULE
from dcaudit.errors import ConfigError, SeedError
from dcaudit.models import Outcome, Page, SkipReason
from dcaudit.parse.document import ParsedPage
from dcaudit.store import Store

from .fakes import FakeClock, LoopbackSite, Reply, new_run, run_crawl


def links(*paths: str) -> str:
    return "<html><body>" + "".join(f'<a href="{p}">{p}</a>' for p in paths) + "</body></html>"


def skip_reasons(store: Store, site: LoopbackSite) -> dict[str, SkipReason]:
    return {s.url.removeprefix(site.base): s.reason for s in store.skips("run-1")}


def page_paths(store: Store, site: LoopbackSite) -> list[str]:
    return [p.url.removeprefix(site.base) for p in store.pages("run-1")]


def test_crawl_max_pages_records_what_was_left(site: LoopbackSite, store: Store) -> None:
    site.page("/", links(*(f"/p{n}" for n in range(10))))
    for n in range(10):
        site.page(f"/p{n}", links("/"))
    new_run(store)
    report = run_crawl(store, [site.url("/")], settings=Settings(delay=0, max_pages=3))
    assert len(page_paths(store, site)) == 3
    fetched = [p for p in site.log if p.startswith("/p")]
    assert len(fetched) == 2
    left = [u for u, r in skip_reasons(store, site).items() if r is SkipReason.MAX_PAGES]
    assert len(left) == 8 and not set(left) & set(fetched)
    assert report.stats.skipped == {"max_pages": 8}
    assert report.notes == ("page limit reached (3 pages): 8 queued URLs not crawled",)
    assert store.queued("run-1") == []


def test_crawl_reads_compressed_pages(site: LoopbackSite, store: Store) -> None:
    home = links("/next").replace("<body>", "<body><h1>Croeso</h1>").encode()
    site.add("/", Reply(body=gzip.compress(home), headers=(("Content-Encoding", "gzip"),)))
    following = zlib.compress(links("/").encode())
    site.add("/next", Reply(body=following, headers=(("Content-Encoding", "deflate"),)))
    new_run(store)
    run_crawl(store, [site.url("/")])
    assert page_paths(store, site) == ["/", "/next"]
    assert store.page_body("run-1", site.url("/")) == home.decode()
    assert all(page.error is None for page in store.pages("run-1"))


def test_crawl_follows_frames_and_refreshes_on_the_site_only(
    site: LoopbackSite, store: Store
) -> None:
    site.page(
        "/",
        '<meta http-equiv="refresh" content="0; url=/moved">'
        '<iframe src="/embedded-form" title="Report it"></iframe>'
        '<iframe src="https://maps.example.com/embed?x=1"></iframe>'
        '<iframe src="about:blank"></iframe>',
    )
    site.page(
        "/moved", '<meta http-equiv="refresh" content="2;url=https://elsewhere.example.org/">'
    )
    site.page("/embedded-form", "<form method=post><input name=street></form>")
    new_run(store)
    run_crawl(store, [site.url("/")])
    assert sorted(page_paths(store, site)) == ["/", "/embedded-form", "/moved"]
    assert {s.url: s.reason for s in store.skips("run-1")} == {
        "https://elsewhere.example.org/": SkipReason.OUT_OF_SCOPE  # a refresh leads there
    }
    assert [link.url for link in store.links("run-1")] == ["https://elsewhere.example.org/"]


def test_crawl_stops_with_a_config_error_when_tls_certificates_cannot_load(
    site: LoopbackSite, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing-ca.pem"))
    site.add("/", Reply(status=301, headers=(("Location", f"https://127.0.0.1:{site.port}/"),)))
    new_run(store)
    with pytest.raises(ConfigError, match="cannot load the TLS certificates"):
        run_crawl(store, [site.url("/")])


def test_crawl_max_depth_skips_deeper_links(site: LoopbackSite, store: Store) -> None:
    site.page("/", links("/d1"))
    site.page("/d1", links("/d2"))
    site.page("/d2", links("/d3"))
    new_run(store)
    run_crawl(store, [site.url("/")], settings=Settings(delay=0, max_depth=1))
    assert page_paths(store, site) == ["/", "/d1"]
    assert skip_reasons(store, site) == {"/d2": SkipReason.MAX_DEPTH}
    assert "/d2" not in site.log


def test_crawl_include_and_exclude_patterns(site: LoopbackSite, store: Store) -> None:
    site.page("/", links("/services/bins", "/services/old/form", "/news/1"))
    site.page("/services/bins", links("/"))
    new_run(store)
    settings = Settings(delay=0, include=("/services/",), exclude=("/old/",))
    run_crawl(store, [site.url("/")], settings=settings)
    assert page_paths(store, site) == ["/", "/services/bins"]  # the seed is always crawled
    assert skip_reasons(store, site) == {
        "/services/old/form": SkipReason.EXCLUDED,
        "/news/1": SkipReason.EXCLUDED,
    }


def test_crawl_extra_hosts_widen_the_scope(site: LoopbackSite, store: Store) -> None:
    other = f"http://localhost:{site.port}"
    site.page("/", links(f"{other}/consult", f"{other}/pay"))
    site.page("/consult", "have your say")
    new_run(store)
    settings = Settings(delay=0, extra_hosts=(f"localhost:{site.port}",), exclude=("/pay",))
    run_crawl(store, [site.url("/")], settings=settings)
    assert [p.url for p in store.pages("run-1")] == [site.url("/"), f"{other}/consult"]
    assert {s.url: s.reason for s in store.skips("run-1")} == {f"{other}/pay": SkipReason.EXCLUDED}


def test_crawl_invalid_seed_fails_before_any_request(site: LoopbackSite, store: Store) -> None:
    new_run(store)
    with pytest.raises(SeedError, match=r"invalid seed URL 'council\.example': only http"):
        run_crawl(store, [site.url("/"), "council.example"])
    with pytest.raises(SeedError, match="no seed URL given"):
        run_crawl(store, [])
    assert site.log == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("respect_robots", [True, False])
def test_crawl_unreachable_seed_is_a_seed_error(store: Store, respect_robots: bool) -> None:
    seed = f"http://127.0.0.1:{_closed_port()}/"
    new_run(store)
    settings = Settings(delay=0, retries=1, backoff=0, respect_robots=respect_robots)
    with pytest.raises(
        SeedError, match=r"cannot reach http://127\.0\.0\.1:\d+/?: connection refused"
    ):
        run_crawl(store, [seed], settings=settings)


def test_crawl_dns_failure_of_seed_names_the_cause(store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("lookup") from socket.gaierror(-2, "Name or service not known")

    new_run(store)
    with pytest.raises(
        SeedError, match=r"cannot reach https://council\.invalid/?: DNS lookup failed"
    ):
        run_crawl(store, ["https://council.invalid/"], transport=httpx.MockTransport(handler))


def test_crawl_robots_5xx_disallows_everything(site: LoopbackSite, store: Store) -> None:
    site.add("/robots.txt", Reply(status=503, body=b"down"))
    site.page("/", links("/a"))
    new_run(store)
    report = run_crawl(store, [site.url("/")], settings=Settings(delay=0, retries=1, backoff=0))
    assert site.count() == Counter({"/robots.txt": 2})
    assert skip_reasons(store, site) == {"/": SkipReason.ROBOTS}
    assert report.notes == (
        "robots.txt disallows every seed: nothing was crawled",
        f"robots.txt: {site.base}: robots.txt answered HTTP 503; nothing fetched there "
        "(RFC 9309: an unreachable robots.txt means complete disallow)",
    )
    assert report.stats.skipped_robots == 1


def test_crawl_respect_robots_off_ignores_robots(site: LoopbackSite, store: Store) -> None:
    site.add("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /", content_type="text/plain"))
    site.page("/", links("/a"))
    site.page("/a", "a")
    new_run(store)
    run_crawl(store, [site.url("/")], settings=Settings(delay=0, respect_robots=False))
    assert "/robots.txt" not in site.log
    assert page_paths(store, site) == ["/", "/a"]


def test_crawl_sitemaps_off_reads_none(site: LoopbackSite, store: Store) -> None:
    site.page("/", "home")
    new_run(store)
    run_crawl(store, [site.url("/")], settings=Settings(delay=0, use_sitemaps=False))
    assert site.log == ["/robots.txt", "/"]


def test_crawl_duplicate_seeds_are_fetched_once(site: LoopbackSite, store: Store) -> None:
    site.page("/", "home")
    new_run(store)
    seeds = [site.url("/"), site.url("/?utm_source=mail"), site.url("/#top")]
    run_crawl(store, seeds, settings=Settings(delay=0, use_sitemaps=False))
    assert site.count()["/"] == 1


def test_crawl_analysis_failure_becomes_an_error_finding(site: LoopbackSite, store: Store) -> None:
    site.page("/", links("/bad", "/good"))
    site.page("/bad", "bad")
    site.page("/good", "good")

    def analyse(page: Page, parsed: ParsedPage | None) -> PageAnalysis:
        if page.url.endswith("/bad"):
            raise ValueError("broken markup")
        return PageAnalysis(page)

    new_run(store)
    report = run_crawl(store, [site.url("/")], analyse=analyse)
    assert sorted(page_paths(store, site)) == ["/", "/bad", "/good"]  # in any order
    (finding,) = store.findings("run-1")
    assert (finding.rule, finding.outcome, finding.page) == (
        ANALYSE_RULE,
        Outcome.ERROR,
        site.url("/bad"),
    )
    assert finding.message == "page analysis failed: ValueError: broken markup"
    assert report.notes == (
        f"page analysis failed on 1 page(s); see findings with rule {ANALYSE_RULE}",
    )


def test_crawl_survives_a_failing_progress_callback(site: LoopbackSite, store: Store) -> None:
    site.page("/", links("/a"))
    site.page("/a", "a")
    calls: list[CrawlProgress] = []

    def progress(update: CrawlProgress) -> None:
        calls.append(update)
        raise RuntimeError("display gone")

    new_run(store)
    report = run_crawl(store, [site.url("/")], progress=progress)
    assert report.stats.pages_fetched == 2 and len(calls) == 2


@pytest.mark.parametrize(("delay", "spacing"), [(0.1, 0.5), (2.0, 2.0)])
def test_crawl_spacing_is_the_larger_of_delay_and_crawl_delay(
    store: Store, delay: float, spacing: float
) -> None:
    clock = FakeClock()
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(clock.monotonic())
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nCrawl-delay: 0.5\n")
        body = links("/a", "/b", "/c") if request.url.path == "/" else "x"
        return httpx.Response(200, text=body, headers={"Content-Type": "text/html"})

    new_run(store)
    settings = Settings(delay=delay, concurrency=2, use_sitemaps=False)
    run_crawl(
        store,
        ["https://example.gov.uk/"],
        settings=settings,
        clock=clock,
        transport=httpx.MockTransport(handler),
    )
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(starts)]
    assert len(starts) == 5 and gaps[1:] == [spacing] * 3


def test_crawl_seed_redirect_to_www_joins_the_scope(store: Store) -> None:
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        if request.url.host == "example.gov.uk" and request.url.path == "/":
            return httpx.Response(301, headers={"Location": "https://www.example.gov.uk/"})
        if request.url.path == "/":
            return httpx.Response(200, text=links("/about"), headers={"Content-Type": "text/html"})
        if request.url.path == "/about":
            return httpx.Response(200, text="about", headers={"Content-Type": "text/html"})
        return httpx.Response(404)

    new_run(store)
    report = run_crawl(
        store,
        ["https://example.gov.uk/"],
        settings=Settings(delay=0, use_sitemaps=False),
        transport=httpx.MockTransport(handler),
    )
    pages = {p.url: p.final_url for p in store.pages("run-1")}
    assert pages == {
        "https://example.gov.uk/": "https://www.example.gov.uk/",
        "https://www.example.gov.uk/about": "https://www.example.gov.uk/about",
    }
    assert "https://www.example.gov.uk/robots.txt" in requested
    assert report.notes == (
        "seed https://example.gov.uk/ redirects to https://www.example.gov.uk/: "
        "host www.example.gov.uk added to the scope",
    )


def test_crawl_other_cross_host_redirect_stays_out(store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(302, headers={"Location": "https://council.example.com/"})
        return httpx.Response(404)

    new_run(store)
    report = run_crawl(
        store,
        ["https://example.gov.uk/"],
        settings=Settings(delay=0, use_sitemaps=False),
        transport=httpx.MockTransport(handler),
    )
    (page,) = store.pages("run-1")
    assert (page.status, page.final_url) == (302, "https://council.example.com/")
    assert report.stats.out_of_scope == 1


def test_crawl_binary_behind_redirect_is_skipped_without_page(store: Store) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(
                200, text=links("/get?id=7"), headers={"Content-Type": "text/html"}
            )
        if request.url.path == "/get":
            return httpx.Response(302, headers={"Location": "/store/blob"})
        return httpx.Response(
            200, content=b"PK\x03\x04", headers={"Content-Type": "application/zip"}
        )

    new_run(store)
    report = run_crawl(
        store,
        ["https://example.gov.uk/"],
        settings=Settings(delay=0, use_sitemaps=False),
        transport=httpx.MockTransport(handler),
    )
    assert [p.url for p in store.pages("run-1")] == ["https://example.gov.uk/"]
    assert {(s.url, s.reason, s.detail) for s in store.skips("run-1")} == {
        ("https://example.gov.uk/get?id=7", SkipReason.CONTENT_TYPE, "application/zip"),
        ("https://example.gov.uk/store/blob", SkipReason.CONTENT_TYPE, "application/zip"),
    }
    assert report.stats.skipped == {"content_type": 2}
    assert store.queued("run-1") == []


def test_crawl_cancelled_stops_cleanly_and_resumes(site: LoopbackSite, store: Store) -> None:
    release = site.blocker()
    site.page("/", links("/a", "/b", "/block", "/c"))
    site.page("/a", "a")
    site.page("/b", "b")
    site.add("/block", Reply(body=b"<p>slow</p>", wait=release))
    site.page("/c", links("/d"))
    site.page("/d", "d")
    blocked = site.when_requested("/block")
    new_run(store)
    settings = Settings(delay=0, concurrency=1, use_sitemaps=False)

    async def interrupted() -> object:
        task = asyncio.create_task(
            crawl(settings, store, "run-1", [site.url("/")], clock=FakeClock())
        )
        assert await asyncio.to_thread(blocked.wait, 30)
        task.cancel()
        return await task

    first = asyncio.run(interrupted())
    assert first.interrupted  # type: ignore[attr-defined]
    stored_before = set(page_paths(store, site))
    assert stored_before == {"/", "/a", "/b"}
    assert {e.url.removeprefix(site.base) for e in store.queued("run-1")} == {"/block", "/c"}
    release.set()
    mark = len(site.log)
    second = run_crawl(store, [site.url("/")], settings=settings)
    assert not second.interrupted
    assert sorted(page_paths(store, site)) == ["/", "/a", "/b", "/block", "/c", "/d"]
    again = [p for p in site.log[mark:] if p != "/robots.txt"]
    assert again == ["/block", "/c", "/d"]
    assert second.stats.pages_fetched == 6


def test_crawl_stores_security_headers_but_never_cookies(site: LoopbackSite, store: Store) -> None:
    site.page(
        "/",
        "<p>Croeso</p>",
        headers=(("Strict-Transport-Security", "max-age=600"), ("Set-Cookie", "sid=secret")),
    )
    new_run(store)
    run_crawl(store, [site.url("/")], settings=Settings(delay=0))
    (page,) = store.pages("run-1")
    assert page.headers == (("strict-transport-security", "max-age=600"),)
    assert "secret" not in repr(page)
