"""Links read from the parsed tree."""

from __future__ import annotations

from dcaudit.crawl.links import MAX_LINK_TEXT, iter_links
from dcaudit.extract.document import parse_html


def _links(html: str, url: str = "https://example.gov.uk/services/bins/") -> list[tuple[str, str]]:
    return [(link.url, link.scheme) for link in iter_links(parse_html(url, html))]


def test_iter_links_resolves_every_href_form() -> None:
    html = """
    <a href="/contact">c</a>
    <a href="collections?day=mon">rel</a>
    <a href="../parking/">up</a>
    <a href="//cdn.example.gov.uk/x">proto</a>
    <a href="https://www.gov.uk/pay">abs</a>
    <a href=" /spaced ">s</a>
    """
    assert _links(html) == [
        ("https://example.gov.uk/contact", "https"),
        ("https://example.gov.uk/services/bins/collections?day=mon", "https"),
        ("https://example.gov.uk/services/parking/", "https"),
        ("https://cdn.example.gov.uk/x", "https"),
        ("https://www.gov.uk/pay", "https"),
        ("https://example.gov.uk/spaced", "https"),
    ]


def test_iter_links_keeps_non_http_schemes_and_skips_fragments() -> None:
    html = """
    <a href="#main">skip</a><a href="">empty</a><a>no href</a>
    <a href="mailto:bins@example.gov.uk">email</a>
    <a href="TEL:+441632960000">phone</a>
    <a href="javascript:void(0)">js</a>
    """
    assert _links(html) == [
        ("mailto:bins@example.gov.uk", "mailto"),
        ("TEL:+441632960000", "tel"),
        ("javascript:void(0)", "javascript"),
    ]


def test_iter_links_honours_base_href() -> None:
    html = '<head><base href="https://example.gov.uk/cy/"></head><a href="gwasanaethau">w</a>'
    assert _links(html, "https://example.gov.uk/en/") == [
        ("https://example.gov.uk/cy/gwasanaethau", "https")
    ]


def test_iter_links_reads_areas_and_not_alternates() -> None:
    html = """
    <head><link rel="alternate" hreflang="cy" href="/cy/"></head>
    <map><area href="/ward/north" alt="North  ward"></map>
    """
    links = list(iter_links(parse_html("https://example.gov.uk/", html)))
    assert [(link.url, link.text()) for link in links] == [
        ("https://example.gov.uk/ward/north", "North ward")
    ]


def test_found_link_text_is_collapsed_and_shortened() -> None:
    html = f'<a href="/a">  Report\n  a <b>pothole</b> </a><a href="/b">{"x" * 500}</a>'
    first, second = iter_links(parse_html("https://example.gov.uk/", html))
    assert first.text() == "Report a pothole"
    assert len(second.text()) == MAX_LINK_TEXT
