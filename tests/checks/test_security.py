"""Security and privacy checks on small pages."""

from __future__ import annotations

from dcaudit.checks.security import SecurityRules, check_security
from dcaudit.models import Interaction, InteractionClass, Kind, Mode, Outcome, Source
from dcaudit.parse.document import parse_html

from .conftest import make_page

FORM = '<form id="apply" action="/apply" method="post"><input name="name"></form>'


def rules_of(
    url: str,
    body: str,
    rules: SecurityRules,
    headers: dict[str, str] | None = None,
    interactions: list[Interaction] | None = None,
) -> dict[str, list[str | None]]:
    html = f"<html lang='en'><head><title>t</title></head><body>{body}</body></html>"
    findings = check_security(
        parse_html(url, html), make_page(url), interactions or [], rules, headers
    )
    assert all(f.source == Source.SECURITY for f in findings)
    grouped: dict[str, list[str | None]] = {}
    for finding in findings:
        grouped.setdefault(finding.rule, []).append(finding.selector)
    return grouped


def test_http_page_and_form_over_http(security_rules: SecurityRules) -> None:
    found = rules_of("http://council.example/apply", FORM, security_rules)
    assert sorted(found) == ["DCS001", "DCS003"]
    assert found["DCS003"] == ["#apply"]


def test_loopback_http_is_potentially_trustworthy(security_rules: SecurityRules) -> None:
    # W3C Secure Contexts: loopback traffic never leaves the machine
    for url in ("http://127.0.0.1:8080/apply", "http://localhost/apply"):
        assert rules_of(url, FORM, security_rules) == {}
    remote_action = FORM.replace('"/apply"', '"http://forms.example/apply"')
    found = rules_of("http://127.0.0.1/apply", remote_action, security_rules)
    assert "DCS003" in found and "DCS001" not in found


def test_https_page_clean_without_headers(security_rules: SecurityRules) -> None:
    assert rules_of("https://council.example/apply", FORM, security_rules) == {}


def test_hsts_judged_only_with_headers(security_rules: SecurityRules) -> None:
    url = "https://council.example/apply"
    assert "DCS002" in rules_of(
        url, "<p>x</p>", security_rules, headers={"Content-Type": "text/html"}
    )
    strong = {"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload"}
    assert "DCS002" not in rules_of(url, "<p>x</p>", security_rules, headers=strong)


def test_third_party_form_and_trusted_processor(security_rules: SecurityRules) -> None:
    url = "https://www.council.example/pay"
    vendor = '<form action="https://collect.vendor.example/x" method="post"><input name="n"></form>'
    pay = '<form action="https://www.payments.service.gov.uk/pay" method="post">'
    pay += '<input name="n"></form>'
    own = '<form action="https://forms.council.example/x" method="post"><input name="n"></form>'
    assert "DCS004" in rules_of(url, vendor, security_rules)
    assert "DCS004" not in rules_of(url, pay + own, security_rules)


def test_mixed_content_only_on_https(security_rules: SecurityRules) -> None:
    body = (
        '<script src="http://cdn.example/a.js"></script><img src="http://cdn.example/a.png" alt="">'
    )
    assert len(rules_of("https://council.example/", body, security_rules)["DCS005"]) == 2
    assert "DCS005" not in rules_of("http://council.example/", body, security_rules)


def test_trackers_flagged_only_where_input_is_collected(security_rules: SecurityRules) -> None:
    url = "https://council.example/apply"
    tracker = '<script src="https://www.googletagmanager.com/gtag/js?id=G-1"></script>'
    tracker += "<script>fbq('init', '1');</script>"
    assert "DCS006" not in rules_of(url, tracker + "<p>News</p>", security_rules)
    found = check_security(
        parse_html(url, f"<html><body>{tracker}{FORM}</body></html>"),
        make_page(url),
        [],
        security_rules,
    )
    trackers = [f for f in found if f.rule == "DCS006"]
    assert len(trackers) == 2 and all(f.outcome == Outcome.NEEDS_REVIEW for f in trackers)
    assert any("Meta (Facebook) Pixel" in f.message for f in trackers)


def test_trackers_use_classified_two_way_interactions(security_rules: SecurityRules) -> None:
    url = "https://council.example/have-your-say"
    widget = Interaction(
        id="i",
        page=url,
        kind=Kind.FORM,
        label="Comment",
        selector="#c",
        interaction_class=InteractionClass.CONSULTATIVE,
        mode=Mode.TWO_WAY,
    )
    body = '<script src="https://static.hotjar.com/c/h.js"></script><div id="c"></div>'
    assert "DCS006" in rules_of(url, body, security_rules, interactions=[widget])
