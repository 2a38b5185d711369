"""css_match names the element cssselect names, for the selectors axe-core writes."""

from __future__ import annotations

import pytest
from cssselect import SelectorError
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from dcaudit import css_match
from dcaudit.css_match import PageIndex, compile_selector
from dcaudit.parse.document import parse_html

from ..fuzzing import fuzz_settings

PAGE = """<!doctype html>
<html lang="en"><head><title>Odd page</title></head>
<body>
<nav class="menu main" id="top">
  <ul class="menu">
    <!-- a comment is no sibling -->
    <li class="item first"><a href="/a" target="_blank">A</a></li>
    <li class="item"><a href="/b-c" data-x="">B</a></li>
    <li class="item&#9;tabbed"><a href="/d?x=1" lang="en-GB">D</a></li>
    <li class="item&#12;formfeed"><a href="/e">E</a></li>
    <li class="Item"><a href="/f" rel="nofollow noopener">F</a></li>
  </ul>
</nav>
<main id="main">
  <div class="box"><div class="box"><p class="x">inner</p></div><p class="x">outer</p></div>
  <section id="dup"><p>first dup</p></section>
  <section id="dup"><p>second dup</p></section>
  <form action="/go"><input name="q" type="search"><input name="email" type="EMAIL"></form>
  <table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>
</main>
</body></html>"""

SELECTORS = [
    "#top",
    "#dup > p",
    "#dup p",
    ".menu > li:nth-child(2) > a",
    ".menu > li:nth-child(1) > a",
    "ul > li:nth-child(3)",
    ".item",
    ".tabbed",
    ".formfeed",
    ".item.first > a",
    ".Item",
    '.item > a[href$="c"]',
    'a[href^="/d"]',
    'a[href*="x="]',
    "a[data-x]",
    'a[data-x=""]',
    'a[lang|="en"]',
    'a[rel~="noopener"]',
    'A[HREF="/a"]',
    "LI > A",
    'input[type="email"]',
    'input[type="EMAIL"]',
    ".box > .x",
    ".box .x",
    "main .box > p",
    "div.box:nth-child(1) > p.x",
    "tr:nth-child(2) > td:nth-child(1)",
    "table td",
    "body > main > div > div > p",
    "html",
    "*",
    "nav#top.menu.main > ul",
    "section#dup:nth-child(2) > p",
    "html > body > main > section:nth-of-type(2) > p:nth-of-type(1)",
    "#main > div:nth-of-type(1) > div > p",
    "li.item:nth-of-type(4) > a",
    "td:nth-of-type(2)",
    "p:nth-of-type(1):nth-child(2)",
    "#missing",
    ".box > .x > .x",
]


def cssselect_first(root: etree._Element, selector: str) -> etree._Element | None:
    try:
        matches = root.cssselect(selector)
    except (SelectorError, etree.XPathError, ValueError):
        return None
    return matches[0] if matches else None


@pytest.mark.parametrize("selector", SELECTORS)
def test_css_match_finds_what_cssselect_finds(selector: str) -> None:
    root = parse_html("http://x/", PAGE).root
    compiled = compile_selector(selector)
    assert compiled is not None, f"{selector} should be in the subset"
    assert PageIndex(root).first(compiled) is cssselect_first(root, selector)


@pytest.mark.parametrize(
    "selector",
    [
        "a + b",
        "a ~ b",
        "a, b",
        "a:not(.x)",
        "p::before",
        "li:nth-child(2n+1)",
        "li:nth-child(0)",
        "li:first-child",
        ".item:nth-of-type(2)",
        "svg|rect",
        'a[x="y" i]',
        'a[x!="y"]',
        'a[href^=""]',
        ".a\\ b",
        "a[[",
        "iframe >>> html",
    ],
)
def test_css_match_leaves_the_rest_of_css_to_cssselect(selector: str) -> None:
    assert compile_selector(selector) is None


def test_css_match_answers_in_document_order_from_any_anchor() -> None:
    # the rarest step is the first one, and its matches nest: the answer is still the
    # element that comes first in the page
    html = (
        "<html><body><div class='rare'><p>1</p><div class='rare'><p>2</p></div><p>3</p>"
        "</div></body></html>"
    )
    root = parse_html("http://x/", html).root
    for selector in (".rare > p", ".rare p", "div.rare > div > p", "body .rare > p"):
        compiled = compile_selector(selector)
        assert compiled is not None
        assert PageIndex(root).first(compiled) is cssselect_first(root, selector)


TAGS = ("div", "p", "a", "li", "ul", "span")
CLASSES = ("a", "b", "c")


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> str:
    """Some HTML: nested tags with classes, ids, attributes, comments and text."""
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 3 else 0))):
        if draw(st.booleans()) and depth:
            parts.append(draw(st.sampled_from(["<!-- c -->", "text", " "])))
            continue
        tag = draw(st.sampled_from(TAGS))
        classes = " ".join(draw(st.lists(st.sampled_from(CLASSES), max_size=2)))
        attributes = f' class="{classes}"' if classes else ""
        if draw(st.booleans()):
            attributes += f' id="i{draw(st.integers(0, 3))}"'
        if draw(st.booleans()):
            attributes += f' href="/{draw(st.sampled_from(["x", "x-y", "y"]))}"'
        parts.append(f"<{tag}{attributes}>{draw(trees(depth + 1))}</{tag}>")
    return "".join(parts)


@st.composite
def selectors(draw: st.DrawFn) -> str:
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        step = draw(st.sampled_from(["", *TAGS]))
        for name in draw(st.lists(st.sampled_from(CLASSES), max_size=2)):
            step += f".{name}"
        if draw(st.booleans()):
            step += f"#i{draw(st.integers(0, 3))}"
        if draw(st.booleans()):
            operator = draw(st.sampled_from(["=", "^=", "$=", "*=", "|=", "~="]))
            step += f'[href{operator}"{draw(st.sampled_from(["/x", "x", "/x-y", "y"]))}"]'
        if draw(st.booleans()):
            step += f":nth-child({draw(st.integers(1, 3))})"
        elif draw(st.booleans()):
            step = (step if step[:1].isalpha() else "div" + step) + ":nth-of-type(1)"
        steps.append(step or "*")
    joined = steps[0]
    for step in steps[1:]:
        joined += draw(st.sampled_from([" > ", " "])) + step
    return joined


@fuzz_settings(300)
@given(trees(), selectors())
def test_css_match_agrees_with_cssselect_on_any_page(body: str, selector: str) -> None:
    root = parse_html("http://x/", f"<html><body>{body}</body></html>").root
    compiled = compile_selector(selector)
    assert compiled is not None
    assert PageIndex(root).first(compiled) is cssselect_first(root, selector)


PIECES = (
    "a", "DIV", "li", "*", "-x", "--x", "_y", "x1", "#i", "#1a", "#a-b", ".c", ".C-d", ".-e",
    ".1f", "[href]", "[HREF=x]", '[href="/a b"]', "[href='q']", '[ href $= "x" ]', "[a|=b]",
    "[a~=b]", '[a~="b c"]', '[a^=""]', "[a*=b i]", "[ns|a]", ":nth-child(2)", ":nth-child(0)",
    ":nth-child(03)", ":nth-of-type(1)", ":NTH-CHILD(2)", ":nth-child( 2 )", ":nth-child(2n)",
    ":first-child", " ", "  ", " > ", ">", "\t", "\f", "+", "~", ",", "\\:", '"', "'", "/*x*/",
    "é", "[", "]", "(", ")",
)  # fmt: skip


@fuzz_settings(400)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8))
def test_css_match_scanner_reads_a_selector_as_cssselect_does(pieces: list[str]) -> None:
    selector = "".join(pieces)
    try:
        scanned = css_match._scan(selector)
    except css_match._NotPlain:
        return  # cssselect's parser reads it
    except css_match._Unsupported:
        scanned = None
    assert scanned == css_match._parsed(selector)
