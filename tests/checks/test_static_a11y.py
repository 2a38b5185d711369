"""Static accessibility checks on small hand-written pages."""

from __future__ import annotations

import pytest

from dcaudit.checks import static_a11y
from dcaudit.checks.accname import A11yTree
from dcaudit.checks.static_a11y import StaticRules, check_static, failing_elements
from dcaudit.models import Interaction, Kind, Outcome, Source
from dcaudit.parse.document import parse_html

from .conftest import make_page

URL = "https://council.example/apply"


def page_html(body: str, head: str = "<title>Apply</title>", lang: str = "en") -> str:
    return f'<!doctype html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def rules_hit(html: str, rules: StaticRules) -> dict[str, int]:
    findings = check_static(parse_html(URL, html), make_page(URL), [], rules)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    return counts


def test_check_static_clean_page_has_no_findings(static_rules: StaticRules) -> None:
    html = page_html(
        '<main><h1>Apply</h1><form action="/a" method="post"><label for="n">Name</label>'
        '<input id="n" autocomplete="name"><button>Send</button></form>'
        '<img src="a.png" alt="A map"></main>',
        head='<title>Apply</title><meta name="viewport" content="width=device-width">',
    )
    assert rules_hit(html, static_rules) == {}


def test_check_static_reports_each_failure_once_with_evidence(static_rules: StaticRules) -> None:
    html = page_html('<h1>x</h1><img src="a.png"><img src="a.png"><a href="/x"></a>')
    findings = check_static(parse_html(URL, html), make_page(URL), [], static_rules)
    assert sorted({f.rule for f in findings}) == ["DCA001", "DCA009"]
    image = next(f for f in findings if f.rule == "DCA001")
    assert image.source == Source.STATIC and image.outcome == Outcome.VIOLATION
    assert image.wcag == ("1.1.1",) and image.impact is not None
    assert image.snippet is not None and image.snippet.startswith("<img")
    assert image.selector == "html > body > img:nth-of-type(1)"
    assert sum(1 for f in findings if f.rule == "DCA001") == 2


def test_check_static_ids_are_stable_and_fingerprints_ignore_host(
    static_rules: StaticRules,
) -> None:
    html = page_html('<h1>x</h1><img src="a.png">')
    first = check_static(parse_html(URL, html), make_page(URL), [], static_rules)
    again = check_static(parse_html(URL, html), make_page(URL), [], static_rules)
    other_host = "http://127.0.0.1:8123/apply"
    moved = check_static(parse_html(other_host, html), make_page(other_host), [], static_rules)
    assert [f.id for f in first] == [f.id for f in again]
    assert [f.fingerprint for f in first] == [f.fingerprint for f in moved]
    assert [f.id for f in first] != [f.id for f in moved]


def test_check_static_links_failure_to_enclosing_interaction(static_rules: StaticRules) -> None:
    html = page_html(
        '<h1>x</h1><form id="apply" action="/a" method="post"><input name="postcode">'
        '</form><p><input name="outside"></p>'
    )
    form = Interaction(id="i-form", page=URL, kind=Kind.FORM, label="Apply", selector="#apply")
    findings = check_static(parse_html(URL, html), make_page(URL), [form], static_rules)
    labels = {f.selector: f.interaction for f in findings if f.rule == "DCA004"}
    assert labels == {"#apply > input": "i-form", "html > body > p > input": None}


def test_check_static_survives_unresolvable_interaction_selector(
    static_rules: StaticRules,
) -> None:
    html = page_html("<h1>x</h1><input>")
    broken = Interaction(id="i", page=URL, kind=Kind.FORM, label="x", selector="form[[[")
    findings = check_static(parse_html(URL, html), make_page(URL), [broken], static_rules)
    assert [f.rule for f in findings] == ["DCA004"]
    assert findings[0].interaction is None


def test_check_static_turns_a_crashing_check_into_an_error_finding(
    static_rules: StaticRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(ctx: object, rule: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setitem(static_a11y.EVALUATORS, "DCA001", explode)
    html = page_html('<h1>x</h1><img src="a.png"><a href="/x"></a>')
    findings = check_static(parse_html(URL, html), make_page(URL), [], static_rules)
    errors = [f for f in findings if f.outcome == Outcome.ERROR]
    assert [(f.rule, f.impact) for f in errors] == [("DCA001", None)]
    assert "boom" in errors[0].message
    assert any(f.rule == "DCA009" for f in findings)  # the other checks still ran


HOSTILE = [
    "",
    "<<<>>>",
    "<html><body><img alt=" + "x" * 100_000,
    "<table><td headers='a a a'><tr><th id=a>" * 200,
    "<div aria-labelledby='a'><span id='a' aria-labelledby='b'></span><span id='b' "
    "aria-labelledby='a'></span></div><button aria-labelledby='a'></button>",
    "<label for=x><label for=x><input id=x><input id=x></label></label>",
    "\x00\x01<meta http-equiv=refresh content='99999999999999999999999'>",
    "<svg><title><svg role=img><circle role=graphics-symbol/></svg></title></svg>",
    "<html lang='\u202eevil'><body><p lang=''>x</p><ul><li><ul><li>" * 50,
    "<div " + " ".join(f"aria-x{n}='1'" for n in range(500)) + ">",
    "<" + "div>" * 3000 + "deep",
]


@pytest.mark.parametrize("markup", HOSTILE)
def test_check_static_never_raises_on_hostile_markup(
    markup: str, static_rules: StaticRules
) -> None:
    findings = check_static(parse_html(URL, markup), make_page(URL), [], static_rules)
    assert all(f.outcome != Outcome.ERROR for f in findings), [
        f.message for f in findings if f.outcome == Outcome.ERROR
    ]
    assert all(f.snippet is None or len(f.snippet) <= 300 for f in findings)
    assert all("\x00" not in (f.snippet or "") for f in findings)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<button aria-labelledby="a b"></button><i id="a">Pay</i><i id="b">now</i>', "Pay now"),
        ('<button aria-label=" Close  menu ">x</button>', "Close menu"),
        ('<button>Pay <img src="c.png" alt="by card"></button>', "Pay by card"),
        ("<button>Re<b>new</b></button>", "Renew"),
        ('<button>Go<span aria-hidden="true"> →</span></button>', "Go"),
        ('<button title="Search"></button>', "Search"),
        ('<label>Postcode <input id="p"></label>', "Postcode"),
        ('<input type="submit">', "Submit"),
        ('<h1><img src="x.png" alt="Logo" role="presentation"></h1>', ""),
        ('<div role="textbox" id="t"></div><label for="t">Name</label>', ""),
    ],
)
def test_accessible_name_follows_accname(
    markup: str, expected: str, static_rules: StaticRules
) -> None:
    parsed = parse_html(URL, page_html(markup))
    tree = A11yTree(parsed.root, static_rules.vocab)
    target = parsed.root.xpath("//body/*[1]")[0]
    if target.tag == "label":
        target = target.find(".//input")
    assert tree.name(target) == expected


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("en", True),
        ("en-GB", True),
        ("cy", True),
        ("CY", True),
        ("haw", True),
        ("eng", False),
        ("english", False),
        ("", False),
        ("  ", False),
        ("#1", False),
        ("i-lux", False),
        ("em-US", False),
    ],
)
def test_language_tags_validate_primary_subtag(
    value: str, valid: bool, static_rules: StaticRules
) -> None:
    assert static_rules.languages.is_valid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("email", True),
        ("off", True),
        ("section-x billing work tel", True),
        ("current-password webauthn", True),
        ("work photo", False),
        ("billing", False),
        ("email invalid", False),
        ("work,email", False),
    ],
)
def test_autocomplete_grammar(value: str, valid: bool, static_rules: StaticRules) -> None:
    assert static_rules.autocomplete.is_valid(value) is valid


def test_heading_order_flags_only_the_skipping_heading(static_rules: StaticRules) -> None:
    parsed = parse_html(URL, page_html("<h1>a</h1><h3>b</h3><h4>c</h4><h2>d</h2><h4>e</h4>"))
    hits = failing_elements(parsed, "DCA011", static_rules)
    assert [h.element.text for h in hits] == ["b", "e"]


def test_autocomplete_missing_suggests_token(static_rules: StaticRules) -> None:
    parsed = parse_html(URL, page_html('<label for="d">Date of birth</label><input id="d">'))
    hits = failing_elements(parsed, "DCA016", static_rules)
    assert len(hits) == 1 and hits[0].detail is not None and '"bday"' in hits[0].detail


def test_duplicate_ids_only_when_referenced(static_rules: StaticRules) -> None:
    html = page_html('<label for="a">A</label><input id="a"><input id="a"><p id="b"></p><p id="b">')
    parsed = parse_html(URL, html)
    hits = failing_elements(parsed, "DCA014", static_rules)
    assert [h.element.tag for h in hits] == ["input"]


def test_static_rules_are_more_than_fifteen_and_map_to_act(static_rules: StaticRules) -> None:
    assert len(static_rules.rules) >= 15
    assert all(rule.meta.wcag or "best-practice" in rule.meta.tags for rule in static_rules.rules)
    assert sum(1 for rule in static_rules.rules if rule.act_rules) >= 15
