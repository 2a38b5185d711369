"""The whole crawler against a loopback council site with every awkward case on it.

The assertions pin exactly which URLs were requested (the server's log), what was skipped
and why, what was stored for each page, and that the run finished.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from dcaudit.config import Settings
from dcaudit.crawl import CrawlProgress, CrawlReport, PageAnalysis
from dcaudit.models import Interaction, Kind, Page, SkipReason
from dcaudit.parse.document import ParsedPage
from dcaudit.store import Store

from .fakes import FakeClock, LoopbackSite, Reply, new_run, run_crawl, serving

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

ROBOTS = """User-agent: *
Disallow: /

User-agent: dcaudit
Disallow: /private/
Allow: /private/open.html
Disallow: /*.cgi$
Crawl-delay: 0.5

Sitemap: {base}/sitemap_index.xml
"""

HOME = """<!doctype html><html lang="en"><head><title>Bryncastell Council</title>
<link rel="alternate" hreflang="cy" href="/cy/"></head><body>
<a href="/about">About</a> <a href="/about/../about#team">About us</a> <a href="./about">Who</a>
<a href="/news?utm_source=newsletter&b=2&a=1">News</a> <a href="/news?a=1&amp;b=2">News</a>
<a href="{base}/news?b=2&a=1&fbclid=z#latest">News</a>
<a href="/private/secret.html">Secret</a> <a href="/private/open.html">Open</a>
<a href="/script.cgi">Script</a> <a href="/script.cgi?x=1">Script with query</a>
<a href="/old">Old address</a> <a href="/moved">Moved</a>
<a href="/loop-a">Loop</a> <a href="/chain/1">Chain</a>
<a href="/offsite">Pay online</a> <a href="/to-private">Members</a>
<a href="/missing">Missing</a> <a href="/broken">Broken</a> <a href="/busy">Busy</a>
<a href="/slow">Slow</a> <a href="/huge">Huge</a> <a href="/latin">Cymraeg</a>
<a href="/events?month=2031-07">Events</a> <a href="/calendar/2030/01/">Calendar</a>
<a href="/download/photo">Photo</a> <a href="/images/logo.png">Logo</a>
<a href="/forms/apply.pdf">Apply (PDF)</a> <a href="/files/report">Annual report</a>
<a href="/data/budget.csv">Budget data</a>
<a href="mailto:council@example.gov.uk">Email us</a> <a href="tel:+441632960000">Call us</a>
<a href="sms:+441632960001">Text us</a> <a href="javascript:void(0)">Menu</a>
<a href="https://www.gov.uk/pay">Pay on GOV.UK</a> <a href="http://elsewhere.invalid/form">Survey</a>
</body></html>"""


def _page(body: str, title: str = "Page") -> bytes:
    return (
        f"<!doctype html><html lang='en'><title>{title}</title><body>{body}</body></html>".encode()
    )


def _events(path: str, _count: int) -> Reply:
    year, month = (int(part) for part in path.split("=", 1)[1].split("-"))
    links = []
    for step in [*range(-6, 0), *range(1, 7)]:
        total = year * 12 + month - 1 + step
        links.append(f'<a href="/events?month={total // 12}-{total % 12 + 1:02d}">m</a>')
    return Reply(body=_page("".join(links), "Events"))


def _calendar(path: str, _count: int) -> Reply:
    year, month = (int(part) for part in path.strip("/").split("/")[1:3])
    links = []
    for step in range(1, 13):
        total = year * 12 + month - 1 + step
        links.append(f'<a href="/calendar/{total // 12}/{total % 12 + 1:02d}/">next</a>')
    return Reply(body=_page("".join(links), "Calendar"))


def _busy(_path: str, count: int) -> Reply:
    if count == 0:
        return Reply(status=503, headers=(("Retry-After", "2"),), body=b"busy")
    return Reply(body=_page("ready", "Busy"))


def _urlset(*locations: str) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc></url>" for loc in locations)
    return f'<urlset xmlns="{SITEMAP_NS}">{entries}</urlset>'.encode()


def build_council_site(site: LoopbackSite) -> None:
    b = site.base
    site.add("/robots.txt", Reply(body=ROBOTS.format(base=b).encode(), content_type="text/plain"))
    site.add(
        "/sitemap_index.xml",
        Reply(
            body=(
                f'<sitemapindex xmlns="{SITEMAP_NS}">'
                f"<sitemap><loc>{b}/sitemaps/pages.xml.gz</loc></sitemap>"
                f"<sitemap><loc>{b}/sitemaps/more.xml</loc></sitemap></sitemapindex>"
            ).encode(),
            content_type="application/xml",
        ),
    )
    pages_xml = _urlset(
        f"{b}/only-in-sitemap", f"{b}/", "http://elsewhere.invalid/x", f"{b}/private/hidden"
    )
    site.add(
        "/sitemaps/pages.xml.gz",
        Reply(body=gzip.compress(pages_xml), content_type="application/x-gzip"),
    )
    # gzip content under a plain .xml name, without Content-Encoding
    site.add(
        "/sitemaps/more.xml",
        Reply(body=gzip.compress(_urlset(f"{b}/only-in-sitemap-2")), content_type="text/xml"),
    )
    site.page("/", HOME.format(base=b))
    site.add("/about", Reply(body=_page('<a href="/">Home</a><a href="/about">Us</a>', "About")))
    site.add("/news", Reply(body=_page("news", "News")))
    site.add("/private/open.html", Reply(body=_page("open", "Open")))
    site.add("/script.cgi", Reply(body=_page("cgi", "Script")))
    site.add("/old", Reply(status=301, headers=(("Location", "/new"),)))
    site.add("/new", Reply(body=_page('<a href="/">home</a>', "New")))
    site.add("/moved", Reply(status=301, headers=(("Location", "/about"),)))
    site.add("/loop-a", Reply(status=302, headers=(("Location", "/loop-b"),)))
    site.add("/loop-b", Reply(status=302, headers=(("Location", "/loop-a"),)))
    for step in range(1, 10):
        site.add(f"/chain/{step}", Reply(status=302, headers=(("Location", f"/chain/{step + 1}"),)))
    site.add(
        "/offsite", Reply(status=302, headers=(("Location", "http://elsewhere.invalid/landing"),))
    )
    site.add("/to-private", Reply(status=302, headers=(("Location", "/private/x"),)))
    site.add("/broken", Reply(status=500, body=b"oops"))
    site.add("/busy", _busy)
    site.add("/slow", Reply(body=_page("finally"), wait=site.blocker()))
    site.add("/huge", Reply(body=_page("x" * 200_000)))
    latin = "<html lang='cy'><title>Croeso i Ynys Môn</title><body>Caffi’r café"
    site.add(
        "/latin",
        Reply(
            body=(latin + "<a href='/latin-meta'>m</a></body></html>").encode("cp1252"),
            content_type="text/html; charset=iso-8859-1",
        ),
    )
    site.add(
        "/latin-meta",
        Reply(
            body="<meta charset='iso-8859-1'><title>Tŷ Môn</title>Môn".encode("latin-1", "replace"),
            content_type="text/html",
        ),
    )
    site.add("/events", _events)
    site.add("/calendar/*", _calendar)
    site.add("/download/photo", Reply(body=b"\x89PNG" + b"0" * 5000, content_type="image/png"))
    site.add("/images/logo.png", Reply(body=b"\x89PNG", content_type="image/png"))
    site.add(
        "/forms/apply.pdf", Reply(body=b"%PDF-1.4" + b"0" * 300_000, content_type="application/pdf")
    )
    site.add("/files/report", Reply(body=b"%PDF-1.4" + b"0" * 1000, content_type="application/pdf"))
    site.add("/data/budget.csv", Reply(body=b"year,amount\n2026,1\n", content_type="text/plain"))
    site.add("/only-in-sitemap", Reply(body=_page('<a href="/about">a</a><a href="/">home</a>')))
    site.add("/only-in-sitemap-2", Reply(body=_page("deep")))
    site.add("/cy/", Reply(body=_page("Croeso")))


SETTINGS = Settings(
    delay=0,
    concurrency=2,
    trap_max_per_pattern=4,
    connect_timeout=5,
    read_timeout=0.5,
    total_timeout=10,
    max_body_bytes=50_000,
    retries=2,
    backoff=0.01,
    max_redirects=3,
    max_pages=200,
)


class Analyser:
    """Records what the crawler hands over and returns one interaction per HTML page."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def __call__(self, page: Page, parsed: ParsedPage | None) -> PageAnalysis:
        self.calls.append((page.url, parsed is not None))
        if parsed is None:
            return PageAnalysis(page)
        interaction = Interaction(
            id=f"i-{page.url}",
            page=page.url,
            kind=Kind.LINK,
            label=parsed.title or "",
            selector="a",
        )
        return PageAnalysis(replace(page, template="t1"), interactions=(interaction,))


@dataclass
class Crawled:
    site: LoopbackSite
    store: Store
    clock: FakeClock
    report: CrawlReport
    analyser: Analyser
    updates: list[CrawlProgress]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """One crawl of the site, shared by the assertions below."""
    folder = tmp_path_factory.mktemp("council")
    with (
        pytest.MonkeyPatch.context() as env,
        serving(LoopbackSite()) as site,
        Store(folder / "crawl.sqlite") as store,
    ):
        for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.delenv(name, raising=False)
        build_council_site(site)
        clock = FakeClock()
        analyser = Analyser()
        updates: list[CrawlProgress] = []
        run_id = new_run(store, seeds=(site.url("/"),))
        report = run_crawl(
            store,
            [site.url("/")],
            settings=SETTINGS,
            analyse=analyser,
            clock=clock,
            progress=updates.append,
            run_id=run_id,
        )
        yield Crawled(site, store, clock, report, analyser, updates)


EVENTS_ADMITTED = ["2031-07", "2031-01", "2031-02", "2031-03"]
CALENDAR_ADMITTED = ["2030/01", "2030/02", "2030/03", "2030/04"]


def test_crawl_requests_exactly_what_it_should(crawled: Crawled) -> None:
    site = crawled.site
    expected = Counter(
        [
            "/robots.txt",
            "/sitemap_index.xml",
            "/sitemaps/pages.xml.gz",
            "/sitemaps/more.xml",
            "/sitemap.xml",
            "/",
            "/about",
            "/news?a=1&b=2",
            "/private/open.html",
            "/script.cgi?x=1",
            "/old",
            "/new",
            "/moved",
            "/loop-a",
            "/loop-b",
            "/chain/1",
            "/chain/2",
            "/chain/3",
            "/chain/4",
            "/offsite",
            "/to-private",
            "/missing",
            "/broken",
            "/busy",
            "/busy",
            "/slow",
            "/huge",
            "/latin",
            "/latin-meta",
            "/download/photo",
            "/forms/apply.pdf",
            "/files/report",
            "/data/budget.csv",
            "/only-in-sitemap",
            "/only-in-sitemap-2",
            *(f"/events?month={m}" for m in EVENTS_ADMITTED),
            *(f"/calendar/{m}/" for m in CALENDAR_ADMITTED),
        ]
    )
    assert site.count() == expected
    assert set(site.agents) == {SETTINGS.user_agent}


def test_crawl_records_every_skip_with_its_reason(crawled: Crawled) -> None:
    site, store = crawled.site, crawled.store
    skips = {s.url.removeprefix(site.base): (s.reason, s.detail) for s in store.skips("run-1")}
    trap = {url for url, (reason, _) in skips.items() if reason is SkipReason.TRAP}
    others = {url: value for url, value in skips.items() if url not in trap}
    assert others == {
        "/private/secret.html": (SkipReason.ROBOTS, "disallowed by robots.txt"),
        "/script.cgi": (SkipReason.ROBOTS, "disallowed by robots.txt"),
        "/private/hidden": (SkipReason.ROBOTS, "disallowed by robots.txt"),
        "/private/x": (SkipReason.ROBOTS, "disallowed by robots.txt"),
        "/images/logo.png": (SkipReason.CONTENT_TYPE, ".png"),
        "/download/photo": (SkipReason.CONTENT_TYPE, "image/png"),
        "mailto:council@example.gov.uk": (SkipReason.NON_HTTP, "mailto"),
        "tel:+441632960000": (SkipReason.NON_HTTP, "tel"),
        "sms:+441632960001": (SkipReason.NON_HTTP, "sms"),
        "javascript:void(0)": (SkipReason.NON_HTTP, "javascript"),
        "https://www.gov.uk/pay": (SkipReason.OUT_OF_SCOPE, None),
        "http://elsewhere.invalid/form": (SkipReason.OUT_OF_SCOPE, None),
        "http://elsewhere.invalid/landing": (SkipReason.OUT_OF_SCOPE, "redirect target"),
    }
    events_cut = {u for u in trap if u.startswith("/events")}
    calendar_cut = {u for u in trap if u.startswith("/calendar")}
    assert len(events_cut) == 15 and len(calendar_cut) == 12 and len(trap) == 27
    assert not events_cut & {f"/events?month={m}" for m in EVENTS_ADMITTED}


def test_crawl_stores_each_page_with_its_outcome(crawled: Crawled) -> None:
    site, store = crawled.site, crawled.store
    pages = {p.url.removeprefix(site.base): p for p in store.pages("run-1")}
    outcome = {url: (p.status, p.error) for url, p in pages.items()}
    assert outcome["/"] == (200, None)
    assert outcome["/loop-a"] == (302, "redirect loop")
    assert outcome["/chain/1"] == (302, "too many redirects (more than 3)")
    assert outcome["/missing"] == (404, "HTTP 404")
    assert outcome["/broken"] == (500, "HTTP 500")
    assert outcome["/busy"] == (200, None)
    assert outcome["/slow"] == (None, "timeout")
    assert outcome["/huge"] == (200, "too large")
    assert pages["/huge"].bytes is not None and pages["/huge"].bytes > 50_000
    old = pages["/old"]
    assert (old.status, old.final_url, old.redirects) == (
        200,
        site.url("/new"),
        (site.url("/old"),),
    )
    assert "/new" not in pages  # its content is stored under /old, fetched once
    moved = pages["/moved"]  # its target was already known: not fetched twice
    assert (moved.status, moved.final_url, moved.error) == (301, site.url("/about"), None)
    offsite = pages["/offsite"]
    assert (offsite.status, offsite.final_url, offsite.error) == (
        302,
        "http://elsewhere.invalid/landing",
        None,
    )
    assert pages["/to-private"].final_url == site.url("/private/x")
    pdf = pages["/forms/apply.pdf"]
    assert (pdf.is_document, pdf.content_type, pdf.bytes) == (True, "application/pdf", 300_008)
    assert pages["/files/report"].is_document
    assert (pages["/data/budget.csv"].is_document, pages["/data/budget.csv"].content_type) == (
        True,
        "text/plain",
    )
    assert pages["/only-in-sitemap"].depth == 1 and pages["/only-in-sitemap-2"].depth == 1
    assert "/download/photo" not in pages and "/images/logo.png" not in pages
    assert pages["/about"].template == "t1"  # the analysed page is what is stored
    assert len(pages) == 31


def test_crawl_decodes_latin1_pages(crawled: Crawled) -> None:
    site, store = crawled.site, crawled.store
    pages = {p.url.removeprefix(site.base): p for p in store.pages("run-1")}
    assert (pages["/latin"].title, pages["/latin"].lang) == ("Croeso i Ynys Môn", "cy")
    body = store.page_body("run-1", site.url("/latin"))
    assert body is not None and "Caffi’r café" in body
    assert pages["/latin-meta"].title == "T? Môn"  # ŵ/ŷ are not Latin-1: the page sent '?'
    assert "Môn" in (store.page_body("run-1", site.url("/latin-meta")) or "")


def test_crawl_keeps_links_it_does_not_follow(crawled: Crawled) -> None:
    site, store = crawled.site, crawled.store
    links = {(x.page.removeprefix(site.base), x.url, x.text, x.kind) for x in store.links("run-1")}
    assert links == {
        ("/", "mailto:council@example.gov.uk", "Email us", "non_http"),
        ("/", "tel:+441632960000", "Call us", "non_http"),
        ("/", "sms:+441632960001", "Text us", "non_http"),
        ("/", "javascript:void(0)", "Menu", "non_http"),
        ("/", "https://www.gov.uk/pay", "Pay on GOV.UK", "out_of_scope"),
        ("/", "http://elsewhere.invalid/form", "Survey", "out_of_scope"),
        ("/offsite", "http://elsewhere.invalid/landing", "", "out_of_scope"),
    }


def test_crawl_report_stats_and_notes(crawled: Crawled) -> None:
    site, store = crawled.site, crawled.store
    report = crawled.report
    assert not report.interrupted
    stats = report.stats
    assert (stats.pages_fetched, stats.errors, stats.skipped_robots, stats.out_of_scope) == (
        31,
        6,
        4,
        3,
    )
    assert stats.skipped == {
        "robots": 4,
        "out_of_scope": 3,
        "content_type": 2,
        "non_http": 4,
        "trap": 27,
    }
    assert report.notes == (
        "sitemaps: 1 URL on other hosts ignored",
        f"robots.txt: {site.base} asks for Crawl-delay 0.5 s; honoured",
        "trap guard: 15 URLs like /events?month=* not crawled (limit 4 per pattern)",
        "trap guard: 12 URLs like /calendar/*/*/ not crawled (limit 4 per pattern)",
    )
    assert not store.queued("run-1")


def test_crawl_honours_waits_without_really_waiting(crawled: Crawled) -> None:
    clock = crawled.clock
    assert 2.0 in clock.sleeps  # Retry-After on /busy
    assert clock.sleeps.count(0.5) >= 10  # Crawl-delay spacing between requests


def test_crawl_hands_each_page_to_analyse_once(crawled: Crawled) -> None:
    calls = crawled.analyser.calls
    urls = [url for url, _ in calls]
    assert len(urls) == len(set(urls)) == 31
    parsed = {url.rsplit("/", 1)[-1] for url, has_tree in calls if has_tree}
    assert "apply.pdf" not in parsed and "broken" not in parsed and "huge" not in parsed
    assert "about" in parsed and "latin" in parsed


def test_crawl_reports_progress_after_each_page(crawled: Crawled) -> None:
    updates = crawled.updates
    done = [u.done for u in updates]
    assert done == sorted(done) and done[-1] == 31
    assert updates[-1].queued == 0 and updates[-1].errors == 6
    assert updates[-1].skipped == 40
    assert all(u.rate >= 0 for u in updates)


def test_crawl_stores_analysis_with_the_page(crawled: Crawled) -> None:
    site, store = crawled.site, crawled.store
    stored = {i.page.removeprefix(site.base) for i in store.interactions("run-1")}
    assert "/about" in stored and "/latin" in stored and "/forms/apply.pdf" not in stored
