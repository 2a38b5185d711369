"""Identities survive a re-crawl: URL templates, element locators, and real page changes."""

from __future__ import annotations

import hashlib

import pytest

from dcaudit.checks.static_a11y import check_static, load_static_rules
from dcaudit.engine.packs import load_packs
from dcaudit.identity import finding_identity, interaction_identity, target_template, url_template
from dcaudit.locator import PageLocator, locate_findings
from dcaudit.models import Finding, Interaction, Kind, Outcome, Page
from dcaudit.parse.document import parse_html

RULES = load_static_rules(load_packs(()))

NEWS = """<!doctype html>
<html lang="en">
<head><title>News | Council</title></head>
<body>
<header><a href="/"><img src="/logo.png"></a>
<nav aria-label="Main"><a href="/bins">Bins</a> <a href="/news">News</a></nav></header>
<main id="main"><h1>News</h1>
<ul class="news">
<li><h2>Bins change</h2><img src="/img/bins.jpg"><p>New bin days.</p></li>
<li><h2>Park opens</h2><img src="/img/park.jpg"><p>The park is open.</p></li>
<li><h2>Road works</h2><p>Castle Street closes.</p></li>
</ul>
<form action="/subscribe"><input name="email" type="email"><button>Subscribe</button></form>
</main>
<footer><p>Bryncastell Council</p><img src="/footer-badge.png"></footer>
</body></html>
"""
BANNER = '<div class="cookies"><p>We use cookies.</p><button>Accept</button></div>'
ITEMS = (
    '<li><h2>Bins change</h2><img src="/img/bins.jpg"><p>New bin days.</p></li>',
    '<li><h2>Park opens</h2><img src="/img/park.jpg"><p>The park is open.</p></li>',
    "<li><h2>Road works</h2><p>Castle Street closes.</p></li>",
)


def violations(url: str, html: str) -> list[Finding]:
    parsed = parse_html(url, html)
    page = Page(url=url, final_url=url, status=200, content_type="text/html", bytes=1, depth=0)
    found = check_static(parsed, page, [], RULES)
    return [f for f in locate_findings(found, parsed) if f.outcome is Outcome.VIOLATION]


def identities(url: str, html: str) -> set[str]:
    return {finding_identity(f) for f in violations(url, html)}


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("https://a.example/news/2024/05/bins-change", "/news/*/*/*"),
        ("http://127.0.0.1:8080/news/2024-05-01/", "/news/*/"),
        ("https://a.example/news/bins-change/", "/news/*/"),
        ("https://a.example/news/?page=3&topic=bins", "/news/?page=*&topic=bins"),
        ("https://a.example/search?q=bins&start=20", "/search?q=bins&start=*"),
        ("https://a.example/item-48213/photos", "/*/photos"),
        ("https://a.example/case/9f86d081884c7d65/", "/case/*/"),
        ("https://a.example/have-your-say/", "/have-your-say/"),
        ("https://a.example/services/parking", "/services/parking"),
        ("https://a.example/", "/"),
    ],
)
def test_url_template_collapses_ids_dates_slugs_and_pagination(url: str, template: str) -> None:
    assert url_template(url) == template


def test_target_template_keeps_other_hosts_and_folds_contact_addresses() -> None:
    page = "http://127.0.0.1:9/contact/"
    assert target_template("http://127.0.0.1:9/contact/send", page) == "/contact/send"
    assert target_template("https://survey.example/s/123", page) == "//survey.example/s/*"
    assert target_template("mailto:Consult@Council.example?subject=Hi", page) == (
        "mailto:consult@council.example"
    )
    assert target_template("tel:01632 960 000", page) == "tel:01632960000"
    assert target_template(None, page) == ""


def test_locator_prefers_id_then_name_then_text_then_position() -> None:
    html = """<html><body><main><div id="a1b2c3d4e5"><p>One</p><p>Two</p>
    <input name="postcode"><span></span><span></span><button id="go">Go</button>
    <div class="g-recaptcha"></div></div></main></body></html>"""
    root = parse_html("http://x/", html).root
    page = PageLocator(root)
    locate = {el.tag + str(n): page.locator(el) for n, el in enumerate(root.iter("p", "input"))}
    digest = {t: hashlib.sha256(t.encode()).hexdigest()[:8] for t in ("One", "Two")}
    assert locate == {
        "p0": f"main p{{{digest['One']}}}",  # the generated-looking id is passed over
        "p1": f"main p{{{digest['Two']}}}",
        "input2": "main input[name=postcode]",
    }
    assert page.locator(root.get_element_by_id("go")) == "button#go"  # id stands alone
    spans = list(root.iter("span"))
    assert [page.locator(s) for s in spans] == [
        "main span:nth-of-type(1)",
        "main span:nth-of-type(2)",
    ]
    assert page.locator(root.find(".//div[@class='g-recaptcha']")) == "main div.g-recaptcha"


def test_locator_marks_the_site_banner_and_footer() -> None:
    root = parse_html("http://x/", NEWS).root
    page = PageLocator(root)
    logo, *_ = root.iter("img")
    assert page.locator(logo) == "banner img[src=/logo.png]"
    badge = root.find(".//footer/img")
    assert page.locator(badge) == "contentinfo img[src=/footer-badge.png]"


def test_same_page_twice_has_the_same_identities_on_another_host() -> None:
    first = identities("https://council.example/news/", NEWS)
    assert first
    assert first == identities("http://127.0.0.1:8123/news/", NEWS)


def test_cookie_banner_added_gives_no_new_identity() -> None:
    before = identities("https://council.example/news/", NEWS)
    after = identities("https://council.example/news/", NEWS.replace("<body>", "<body>" + BANNER))
    assert after - before == set()
    assert before - after == set()


def test_reordered_news_items_give_no_new_identity() -> None:
    reordered = NEWS.replace("\n".join(ITEMS), "\n".join(reversed(ITEMS)))
    assert reordered != NEWS
    before = identities("https://council.example/news/", NEWS)
    assert identities("https://council.example/news/", reordered) == before


def test_new_page_of_the_same_template_gives_no_new_identity_for_its_layout() -> None:
    article = NEWS.replace("<h1>News</h1>", "<h1>Bins change</h1>")
    first = identities("https://council.example/news/bins-change/", article)
    second = identities("https://council.example/news/park-opening-times/", article)
    assert second == first
    # the banner's problems are the site's: the same identity on any other page
    other = identities("https://council.example/contact/", NEWS)
    assert {i for i in first if i in other}


def test_one_real_regression_gives_exactly_one_new_identity() -> None:
    before = identities("https://council.example/news/", NEWS)
    broken = NEWS.replace(
        "<p>Castle Street closes.</p>", '<p>Castle Street closes.</p><img src="/img/road.jpg">'
    )
    after = violations("https://council.example/news/", broken)
    new = [f for f in after if finding_identity(f) not in before]
    assert [(f.rule, f.locator) for f in new] == [("DCA001", "main#main img[src=/img/road.jpg]")]
    assert new[0].line == NEWS.splitlines().index(ITEMS[2]) + 1  # the source line


def test_interaction_identity_is_kind_template_target_and_label() -> None:
    def form(page: str, label: str, target: str = "/consult/send") -> Interaction:
        return Interaction(
            id="x", page=page, kind=Kind.FORM, label=label, selector="form", target=target
        )

    base = form("https://a.example/consult/bins-review/", "Have your say!")
    assert interaction_identity(base) == interaction_identity(
        form("http://127.0.0.1:1/consult/parks-review/", "have  your say")
    )
    assert interaction_identity(base) != interaction_identity(
        form("https://a.example/consult/bins-review/", "Have your say", "mailto:x@a.example")
    )
    assert interaction_identity(base) != interaction_identity(
        form("https://a.example/consult/bins-review/", "Sign up")
    )


def test_locate_findings_resolves_css_paths_and_other_selectors() -> None:
    parsed = parse_html("http://x/news/", NEWS)
    finding = violations("http://x/news/", NEWS)[0]

    def located(selector: str | None) -> Finding:
        bare = Finding(**{**vars(finding), "selector": selector, "locator": None, "line": None})
        return locate_findings([bare], parsed)[0]

    by_path = located("#main > ul > li:nth-of-type(2) > img")
    by_css = located("main > ul > li:nth-child(2) > img")
    assert by_path.locator == by_css.locator == "main#main img[src=/img/park.jpg]"
    assert by_path.line == by_css.line == NEWS.splitlines().index(ITEMS[1]) + 1
    # a selector that matches nothing here (inside a frame, or only after scripts ran)
    # keeps its selector without positions, and no line
    framed = located("iframe >>> form > input:nth-of-type(2)")
    assert (framed.locator, framed.line) == ("iframe >>> form > input", None)
    assert located(None).locator is None


def test_lines_past_the_parser_limit_are_not_guessed() -> None:
    html = "<html><body>" + "\n" * 70_000 + '<img src="/late.png"></body></html>'
    parsed = parse_html("http://x/", html)
    url = "http://x/"
    page = Page(url=url, final_url=url, status=200, content_type="text/html", bytes=1, depth=0)
    found = locate_findings(check_static(parsed, page, [], RULES), parsed)
    late = next(f for f in found if f.rule == "DCA001")
    assert late.locator == "img[src=/late.png]"
    assert late.line is None
