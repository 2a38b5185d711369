"""Markup past the HTML parser's limits loses no content: links and forms after it are
found, and the parsed page says a limit was met."""

from __future__ import annotations

import pytest

from dcaudit.parse.document import parse_html
from dcaudit.parse.nesting import flatten_nesting


def deep_divs(levels: int) -> str:
    return (
        "<html><body>" + "<div>" * levels + '<a href="/deep">deep</a>' + "</div>" * levels
        + '<a href="/after">after</a><form action="/send"><input name="q"></form>'
        "<p>closing words</p></body></html>"
    )  # fmt: skip


UNCLOSED_FONTS = (
    "<html><body>" + "<font><b>" * 260 + 'text <a href="/x">x</a>'
    '<a href="/y">y</a><form action="/send"></form></body></html>'
)  # fmt: skip


@pytest.mark.parametrize(
    ("html", "hrefs"),
    [
        (deep_divs(10_000), ["/deep", "/after"]),
        (deep_divs(300), ["/deep", "/after"]),
        (UNCLOSED_FONTS, ["/x", "/y"]),
    ],
    ids=["10000-divs", "300-divs", "260-unclosed-font-b"],
)
def test_deep_markup_keeps_every_link_and_form(html: str, hrefs: list[str]) -> None:
    parsed = parse_html("http://127.0.0.1/", html)
    assert [a.get("href") for a in parsed.root.iter("a")] == hrefs
    assert len(parsed.root.findall(".//form")) == 1
    assert parsed.notes and parsed.notes[0].startswith("markup nested more than 256 levels")
    depth = max(len(list(el.iterancestors())) for el in parsed.root.iter())
    assert depth < 256  # every later stage walks a tree the parser could build


def test_shallow_markup_is_parsed_as_it_is() -> None:
    parsed = parse_html("http://127.0.0.1/", deep_divs(100))
    assert parsed.notes == ()
    assert len(list(parsed.root.iter("div"))) == 100


def test_a_text_over_ten_megabytes_is_kept() -> None:
    html = "<html><body><p>" + "x" * 10_100_000 + '</p><a href="/after">after</a></body></html>'
    parsed = parse_html("http://127.0.0.1/", html)
    assert [a.get("href") for a in parsed.root.iter("a")] == ["/after"]
    assert parsed.notes == ("a text of more than 10 MB: read with the parser's limit lifted",)


def test_flattening_leaves_raw_text_comments_and_quoted_attributes_alone() -> None:
    html = (
        "<div><div><script>if (a<b) { x = '<div><div>'; }</script>"
        "<!-- <div><div><div> --><span title='a > b'><b>bold</b></span></div></div>"
    )
    flat, left_out = flatten_nesting(html, limit=2)
    assert left_out == 2  # <span> and <b>: the only tags opened past two levels
    assert flat == (
        "<div><div><script>if (a<b) { x = '<div><div>'; }</script>"
        "<!-- <div><div><div> -->bold</div></div>"
    )
