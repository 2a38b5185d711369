"""Links read from the parsed tree."""

from __future__ import annotations

import pytest

from dcaudit.crawl.links import MAX_LINK_TEXT, iter_links, refresh_target
from dcaudit.parse.document import parse_html


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


def test_iter_links_reads_frames_and_refresh_targets() -> None:
    html = """
    <head><meta http-equiv="Refresh" content="0; URL='/moved/here'"></head>
    <iframe src="/forms/report-a-pothole" title="Report a  pothole"></iframe>
    <frameset><frame src="menu.html"></frameset>
    <iframe srcdoc="<p>inline</p>"></iframe>
    """
    links = list(iter_links(parse_html("https://example.gov.uk/roads/", html)))
    assert [(link.url, link.text()) for link in links] == [
        ("https://example.gov.uk/moved/here", ""),
        ("https://example.gov.uk/forms/report-a-pothole", "Report a pothole"),
        ("https://example.gov.uk/roads/menu.html", ""),
    ]


@pytest.mark.parametrize(
    ("content", "target"),
    [
        ("0; url=/next", "/next"),
        ("5;URL=https://www.example.gov.uk/new", "https://www.example.gov.uk/new"),
        ('3, url="/quoted" ignored', "/quoted"),
        ("0.5 /bare", "/bare"),
        ("  10  ", None),  # refreshes the page itself
        ("url=/no-delay", None),  # invalid: the delay comes first
        ("0: https://w3.org", None),  # invalid: a colon after the delay (an ACT test case)
        ("5x; url=/x", None),
        ("", None),
    ],
)
def test_refresh_target_follows_the_whatwg_steps(content: str, target: str | None) -> None:
    root = parse_html("https://example.gov.uk/", f"<meta http-equiv=refresh content='{content}'>")
    meta = root.root.find(".//meta")
    assert meta is not None
    assert refresh_target(meta) == target


def test_refresh_target_ignores_other_meta_elements() -> None:
    parsed = parse_html("https://example.gov.uk/", '<meta name="refresh" content="0; url=/x">')
    meta = parsed.root.find(".//meta")
    assert meta is not None and refresh_target(meta) is None
