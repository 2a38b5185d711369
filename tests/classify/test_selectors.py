"""Selectors that find the element again, stable ids and the site-chrome tag."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml.cssselect import CSSSelector

from dcaudit.extract.interactions import (
    extract_interactions,
    interaction_id,
    interaction_sources,
    normalise_page_url,
)
from dcaudit.extract.selectors import css_escape
from dcaudit.models import Kind
from dcaudit.parse.document import parse_html

CORPUS = Path(__file__).parent / "corpus"


def test_selectors_prefer_a_unique_id(extracted) -> None:
    found = extracted('<form id="apply" method="post"><input name="a" aria-label="A"></form>')
    assert found[0].selector == "#apply"


def test_selectors_path_from_nearest_unique_id_with_nth_of_type(extracted) -> None:
    found = extracted(
        """<div id="main"><p>x</p><div><form></form><form><input name="a"></form></div></div>
        <p id="dup"><a href="tel:1">a</a></p><p id="dup"><a href="tel:2">b</a></p>"""
    )
    assert [i.selector for i in found] == [
        "#main > div > form:nth-of-type(1)",
        "#main > div > form:nth-of-type(2)",
        "body > p:nth-of-type(1) > a",
        "body > p:nth-of-type(2) > a",
    ]


def test_selectors_table_rows_match_with_or_without_tbody(extracted) -> None:
    found = extracted('<table id="t"><tr><td><a href="tel:1">Call</a></td></tr></table>')
    assert found[0].selector == "#t tr > td > a"
    with_tbody = lxml.html.fromstring(
        '<div><table id="t"><tbody><tr><td><a href="tel:1">Call</a></td></tr></tbody></table></div>'
    )
    assert len(CSSSelector(found[0].selector)(with_tbody)) == 1


@pytest.mark.parametrize(
    ("ident", "escaped"),
    [("main", "main"), ("2col", "\\32 col"), ("a.b", "a\\.b"), ("x:y", "x\\:y"), ("-", "\\-")],
)
def test_selectors_css_escape(ident: str, escaped: str) -> None:
    assert css_escape(ident) == escaped


def test_selectors_find_the_same_element_on_every_corpus_page(rules) -> None:
    checked = 0
    for path in sorted(CORPUS.rglob("*.html")):
        parsed = parse_html(f"https://{path.relative_to(CORPUS).as_posix()}", path.read_text())
        sources = interaction_sources(parsed).by_id
        for interaction in extract_interactions(parsed, rules=rules):
            found = CSSSelector(interaction.selector)(parsed.root)
            assert found == [sources[interaction.id].element], (path.name, interaction.selector)
            checked += 1
    assert checked > 300


def test_interaction_ids_are_stable_and_depend_on_page_kind_and_selector(page, rules) -> None:
    html = '<a href="tel:1">Call</a><a href="mailto:a@b.c">Mail</a>'
    first = extract_interactions(page(html), rules=rules)
    again = extract_interactions(page(html), rules=rules)
    elsewhere = extract_interactions(
        page(html, url="https://www.northtown.gov.uk/other"), rules=rules
    )
    assert [i.id for i in first] == [i.id for i in again]
    assert len({i.id for i in first}) == 2
    assert {i.id for i in first}.isdisjoint({i.id for i in elsewhere})
    assert all(len(i.id) == 16 and int(i.id, 16) >= 0 for i in first)


def test_interaction_ids_ignore_url_case_default_port_and_fragment() -> None:
    assert normalise_page_url("HTTPS://WWW.Example.ORG:443/Path?q=1#top") == (
        "https://www.example.org/Path?q=1"
    )
    same = interaction_id("https://www.example.org:443/a#x", Kind.FORM, "#f")
    assert same == interaction_id("https://WWW.example.org/a", Kind.FORM, "#f")
    assert same != interaction_id("https://www.example.org/a", Kind.LINK, "#f")


def test_site_chrome_tag_for_header_footer_nav_and_landmark_roles(extracted) -> None:
    found = extracted(
        """<header><a href="tel:1">Header phone</a></header>
        <div role="contentinfo"><a href="tel:2">Footer phone</a></div>
        <nav><a href="tel:3">Nav phone</a></nav>
        <main><article><header><a href="tel:4">Article header phone</a></header></article>
        <a href="tel:5">Body phone</a></main>"""
    )
    chrome = {i.label: "site_chrome" in i.tags for i in found}
    assert chrome == {
        "Header phone": True,
        "Footer phone": True,
        "Nav phone": True,
        "Article header phone": False,
        "Body phone": False,
    }
