"""Finding identity and hygiene: ids, fingerprints, selectors, snippets."""

from __future__ import annotations

import pytest

from dcaudit.browser import axe_findings
from dcaudit.checks.findings import (
    clean_text,
    css_path,
    finding_fingerprint,
    finding_id,
    path_template,
)
from dcaudit.models import Outcome
from dcaudit.parse.document import parse_html


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("https://a.example/news/2024/05/bins", "/news/*/*/bins"),
        ("https://a.example/case/3f2a9c1e77b04d2a", "/case/*"),
        ("https://a.example/apply?id=42&step=two", "/apply?id=*&step=two"),
        ("https://a.example", "/"),
    ],
)
def test_path_template_generalises_ids(url: str, template: str) -> None:
    assert path_template(url) == template


def test_fingerprint_shared_by_pages_of_one_template() -> None:
    first = finding_fingerprint("DCA001", "https://a.example/news/1", "main > img")
    second = finding_fingerprint("DCA001", "http://127.0.0.1:9/news/2", "main > img")
    assert first == second
    assert first != finding_fingerprint("DCA001", "https://a.example/about", "main > img")


def test_fingerprint_matches_axe_findings_formula() -> None:
    url = "https://a.example/contact-us?x=a"
    assert finding_fingerprint("axe/label", url, "#e") == axe_findings.finding_fingerprint(
        "axe/label", url, "#e"
    )
    assert finding_id(url, "axe/label", "#e", Outcome.VIOLATION) == axe_findings.finding_id(
        url, "axe/label", "#e", Outcome.VIOLATION
    )


def test_clean_text_strips_controls_and_bidi_and_truncates() -> None:
    dirty = "a\x00b\x1bc\u202ed" + "x" * 500
    cleaned = clean_text(dirty, 50)
    assert cleaned.startswith("abcd") and len(cleaned) == 50 and cleaned.endswith("…")


def test_css_path_prefers_unique_id_and_resolves_back() -> None:
    parsed = parse_html(
        "https://a.example/",
        '<html><body><div id="main"><p>a</p><p>b<span>c</span></p></div>'
        '<div id="dup"></div><div id="dup"><em>x</em></div></body></html>',
    )
    span = parsed.root.xpath("//span")[0]
    em = parsed.root.xpath("//em")[0]
    assert css_path(span) == "#main > p:nth-of-type(2) > span"
    assert css_path(em) == "html > body > div:nth-of-type(3) > em"
    for element in (span, em):
        assert parsed.root.cssselect(css_path(element)) == [element]
