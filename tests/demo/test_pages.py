"""The demo site's pages: reachable, well typed, bilingual, and carrying the planned defects."""

from __future__ import annotations

import struct
from collections.abc import Callable
from importlib.resources.abc import Traversable

import httpx
import lxml.html
import pytest
import textstat

from dcaudit.demo import DemoServer, site_root
from dcaudit.demo.images import GALLERY, gallery_path
from dcaudit.demo.routes import GET_ROUTES

from .conftest import Fetched, local_links, sitemap_paths

Tree = lxml.html.HtmlElement


def page_files(folder: Traversable, path: str = "/") -> dict[str, Traversable]:
    found: dict[str, Traversable] = {}
    for child in folder.iterdir():
        if child.is_dir():
            found.update(page_files(child, f"{path}{child.name}/"))
        elif child.name == "index.html":
            found[path] = child
    return found


def test_site_has_at_least_30_pages(html_pages: dict[str, Fetched]) -> None:
    assert len(page_files(site_root())) >= 30
    assert len(html_pages) >= 30  # reachable by a crawler from the home page and sitemap


def test_pages_linked_from_home_or_sitemap_answer_200_with_their_type(
    shared_server: DemoServer, html_pages: dict[str, Fetched]
) -> None:
    with httpx.Client(base_url=shared_server.url, follow_redirects=True) as http:
        linked = local_links(html_pages["/"], shared_server.url) | set(sitemap_paths(http))
        assert len(linked) >= 40
        for path in sorted(linked):
            response = http.get(path)
            assert response.status_code == 200, path
            expected = "application/pdf" if path.endswith(".pdf") else "text/html; charset=utf-8"
            assert response.headers["content-type"] == expected, path


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/assets/site.js", "text/javascript; charset=utf-8"),
        ("/assets/crest.svg", "image/svg+xml"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/media/parks/bandstand.png", "image/png"),
        ("/api/bin-day?postcode=BC1", "application/json"),
    ],
)
def test_assets_are_served_with_their_content_type(
    shared_server: DemoServer, path: str, content_type: str
) -> None:
    response = httpx.get(shared_server.url + path.lstrip("/"))
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


def test_every_page_carries_the_site_chrome(html_pages: dict[str, Fetched]) -> None:
    for path, page in html_pages.items():
        tree = page.tree()
        assert len(tree.xpath("//form[@action='/search/' and @method='get']")) == 1, path
        assert len(tree.xpath("//form[@action='/cookies/preferences']//button")) == 2, path
        assert tree.xpath("//footer//a[@href='/accessibility-statement/']"), path
        assert tree.xpath("//link[@rel='stylesheet' and @href='/assets/style.css']"), path
        assert tree.findtext(".//title"), path


def test_robots_txt_disallows_admin_and_names_the_sitemap(shared_server: DemoServer) -> None:
    lines = httpx.get(shared_server.url + "robots.txt").text.splitlines()
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {shared_server.url}sitemap.xml" in lines


def test_admin_is_linked_but_disallowed(
    shared_server: DemoServer, html_pages: dict[str, Fetched]
) -> None:
    assert "/admin/" in local_links(html_pages["/"], shared_server.url)
    assert "/admin/" not in html_pages  # the crawl honours robots.txt
    assert httpx.get(shared_server.url + "admin/").status_code == 200


def test_one_page_is_reachable_only_from_the_sitemap(
    shared_server: DemoServer, html_pages: dict[str, Fetched]
) -> None:
    only_in_sitemap = "/news/archive/winter-gritting-routes/"
    with httpx.Client(base_url=shared_server.url) as http:
        assert only_in_sitemap in sitemap_paths(http)
    for page in html_pages.values():
        if page.path != only_in_sitemap:  # its own skip link points to itself
            assert only_in_sitemap not in local_links(page, shared_server.url), page.path


def test_welsh_pages_declare_welsh_and_pair_with_english(html_pages: dict[str, Fetched]) -> None:
    welsh = {path: page for path, page in html_pages.items() if path.startswith("/cy/")}
    assert len(welsh) >= 4
    pairs = 0
    for path, page in welsh.items():
        tree = page.tree()
        assert tree.get("lang") == "cy", path
        english = tree.xpath("//link[@rel='alternate' and @hreflang='en']/@href")
        if not english:
            continue
        pairs += 1
        back = html_pages[str(english[0])].tree()
        assert path in back.xpath("//link[@rel='alternate' and @hreflang='cy']/@href"), path
        assert back.xpath(f"//a[@hreflang='cy' and @href='{path}']"), path  # language switch
    assert pairs >= 3


def test_welsh_forms_use_welsh_calls_to_action(html_pages: dict[str, Fetched]) -> None:
    text = " ".join(p.tree().text_content() for path, p in html_pages.items() if "/cy/" in path)
    for phrase in ("Dweud eich dweud", "Gwneud cais", "Rhoi gwybod am broblem"):
        assert phrase in text


def has(xpath: str) -> Callable[[Tree], bool]:
    return lambda tree: bool(tree.xpath(xpath))


def duplicate_ids(tree: Tree) -> bool:
    ids = [str(i) for i in tree.xpath("//@id")]
    return len(ids) != len(set(ids))


# The deliberate accessibility failures the demo README lists, one per page.
KNOWN_FAILURES: dict[str, tuple[str, Callable[[Tree], bool]]] = {
    "image without alt": ("/parks/", has("//main//img[not(@alt)]")),
    "button without a name": ("/parks/", has("//button[not(normalize-space())][not(@aria-label)]")),
    "input without a label": (
        "/jobs/apply/",
        has("//form[@id='job-application']//input[not(@id)][@placeholder]"),
    ),
    "low contrast text": ("/news/pothole-repair-programme/", has("//*[@class='notice-faint']")),
    "empty link": ("/news/pothole-repair-programme/", has("//main//a[not(normalize-space())]")),
    "page without lang": ("/news/summer-reading-challenge/", lambda tree: tree.get("lang") is None),
    "skipped heading levels": (
        "/services/libraries/",
        lambda tree: (
            [e.tag for e in tree.xpath("//main//*[self::h1 or self::h2 or self::h3]")][:2]
            == ["h1", "h3"]
        ),
    ),
    "duplicate ids": ("/volunteering/", duplicate_ids),
    "no autocomplete on personal data": (
        "/contact/foi/",
        has("//input[@name='email' and not(@autocomplete)]"),
    ),
    "iframe without a title": ("/have-your-say/libraries-survey/", has("//iframe[not(@title)]")),
    "table without headers": ("/services/council-tax/", has("//table[not(.//th)]")),
    "zoom disabled": (
        "/events/",
        has("//meta[@name='viewport'][contains(@content, 'maximum-scale=1')]"),
    ),
}


@pytest.mark.parametrize("failure", sorted(KNOWN_FAILURES))
def test_known_accessibility_failure_is_present(
    html_pages: dict[str, Fetched], failure: str
) -> None:
    path, check = KNOWN_FAILURES[failure]
    assert check(html_pages[path].tree())


def test_known_failures_stay_on_their_pages(html_pages: dict[str, Fetched]) -> None:
    """The home page is clean of the planned failures, so each one stays attributable."""
    home = html_pages["/"].tree()
    for failure, (_, check) in KNOWN_FAILURES.items():
        assert not check(home), failure


def test_accessibility_statement_is_linked_from_every_page_footer(
    html_pages: dict[str, Fetched],
) -> None:
    statement = html_pages["/accessibility-statement/"].tree()
    assert "Accessibility statement" in (statement.findtext(".//h1") or "")


def test_planning_page_is_hard_to_read_and_service_pages_are_not(
    html_pages: dict[str, Fetched],
) -> None:
    def grade(path: str) -> float:
        main = html_pages[path].tree().find(".//main")
        assert main is not None
        return float(textstat.flesch_kincaid_grade(main.text_content()))

    assert grade("/services/planning/enforcement/") > 20
    assert grade("/services/waste/garden-waste/") < 10
    assert grade("/services/waste/") < 10


def test_parks_page_weighs_about_three_megabytes(
    shared_server: DemoServer, html_pages: dict[str, Fetched]
) -> None:
    sources = html_pages["/parks/"].tree().xpath("//main//img/@src")
    assert sorted(str(s) for s in sources) == sorted(gallery_path(name) for name in GALLERY)
    total = 0
    for source in sources:
        image = httpx.get(shared_server.url + str(source).lstrip("/")).content
        assert image.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", image[16:24])
        assert (width, height) == (600, 340)
        total += len(image)
    assert 2_500_000 < total < 4_000_000


def test_call_back_form_is_absent_from_the_raw_html(html_pages: dict[str, Fetched]) -> None:
    page = html_pages["/contact/call-back/"]
    assert not page.tree().xpath("//form[contains(@action, 'call-back')]")
    assert page.tree().xpath("//script[@src='/assets/call-back.js']")


def test_complaints_form_loads_recaptcha(html_pages: dict[str, Fetched]) -> None:
    tree = html_pages["/contact/complaints/"].tree()
    script = tree.xpath("//script[contains(@src, 'recaptcha')]")
    assert script and script[0].get("async") is not None  # the page must not wait for it
    assert tree.xpath("//form[@id='complaint']//div[@class='g-recaptcha'][@data-sitekey]")


def test_every_page_template_has_a_route() -> None:
    """Templated pages must be rendered, never served as raw files."""
    for path, file in page_files(site_root()).items():
        source = file.read_text(encoding="utf-8")
        if "{{" in source or "{%" in source:
            assert path in GET_ROUTES, path
