"""DCX001 judged at the level people find a route: the page, a contact page it links to, or
the whole site (header, footer, and the contact page they link to)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dcaudit.checks.exclusion import ExclusionRules, load_exclusion_rules
from dcaudit.checks.site_checks import SiteObservations
from dcaudit.config import Settings, load_settings
from dcaudit.demo import DemoServer
from dcaudit.engine.packs import builtin_rules_dir, load_pack
from dcaudit.errors import RulePackError
from dcaudit.models import Finding, Interaction, InteractionClass, Kind, Mode
from dcaudit.parse.document import parse_html
from dcaudit.pipeline import run_audit
from dcaudit.store import Store

from .conftest import make_page

SITE = "https://council.example"
CONTACT_LINK = '<header><a href="/">Home</a> <a href="/contact-us/">Contact us</a></header>'
FORM = '<form id="apply" action="/a" method="post"><input name="n"></form>'


def two_way(
    page: str, klass: InteractionClass = InteractionClass.TRANSACTIONAL, **extra: object
) -> Interaction:
    interaction = Interaction(
        id=f"i-{page}",
        page=SITE + page,
        kind=Kind.FORM,
        label="Apply for a permit",
        selector="#apply",
        target=SITE + "/a",
        method="post",
        interaction_class=klass,
        mode=Mode.TWO_WAY,
    )
    return replace(interaction, **extra)  # type: ignore[arg-type]


def doc(body: str, title: str = "t") -> str:
    return f'<html lang="en"><head><title>{title}</title></head><body>{body}</body></html>'


def audit(
    rules: ExclusionRules, *pages: tuple[str, str, list[Interaction]]
) -> tuple[list[Finding], list[str]]:
    """Observe ``(path, html, interactions)`` pages as one site; its DCX001 findings and notes."""
    site = SiteObservations(Settings(), rules)
    for path, html, interactions in pages:
        parsed = parse_html(SITE + path, html)
        site.observe(parsed, make_page(SITE + path, title=parsed.title), interactions)
    return site.route_findings(), site.notes()


def service(body: str = FORM, path: str = "/apply") -> tuple[str, str, list[Interaction]]:
    return path, doc(body), [two_way(path)]


def contact(body: str, path: str = "/contact-us/") -> tuple[str, str, list[Interaction]]:
    return path, doc(body, title="Contact us"), []


def test_no_route_at_any_level_flags_each_two_way_interaction(
    exclusion_rules: ExclusionRules,
) -> None:
    findings, notes = audit(exclusion_rules, service(CONTACT_LINK + FORM), contact("Email us."))
    assert [(f.rule, f.interaction, f.selector) for f in findings] == [
        ("DCX001", "i-/apply", "#apply")
    ]
    # the finding says which levels were looked at; the note says none served the site
    assert "not on the page, not on a contact page it links to, and not site-wide" in (
        findings[0].message
    )
    assert notes and notes[0].startswith("assisted route (DCX001) judged page by page")


@pytest.mark.parametrize(
    "extra",
    [
        "<p>Ring 01632 960 123 for help.</p>",
        "<p>Use Relay UK: 18001.</p>",
        '<a href="tel:+441632960123">Phone</a>',
        "<p>Write to Town Hall, AB1 2CD.</p>",
    ],
)
def test_a_route_on_the_page_serves_it(exclusion_rules: ExclusionRules, extra: str) -> None:
    findings, _ = audit(exclusion_rules, service(FORM + extra))
    assert findings == []


def test_a_contact_page_linked_from_the_header_serves_every_page(
    exclusion_rules: ExclusionRules,
) -> None:
    # seen before or after the pages it serves: the order of the crawl does not matter
    phone = contact('<p>Call <a href="tel:01632960000">01632 960 000</a>.</p>')
    for order in ([service(CONTACT_LINK + FORM), phone], [phone, service(CONTACT_LINK + FORM)]):
        findings, notes = audit(exclusion_rules, *order, service(FORM, path="/other"))
        assert findings == []
        assert notes == [
            "assisted route (DCX001) judged at site level: /contact-us/ shows a phone link "
            "(tel:), which the site's header or footer links to, so it counts for every page; "
            "2 two-way interactions on 2 pages with no route of their own rely on it"
        ]


def test_a_phone_number_in_any_footer_serves_the_whole_site(
    exclusion_rules: ExclusionRules,
) -> None:
    home = ("/", doc("<footer><p>Call 01632 960 000.</p></footer>"), [])
    findings, notes = audit(exclusion_rules, service(FORM), home)
    assert findings == []
    assert "judged at site level: / shows “01632 960 000”" in notes[0]


def test_a_contact_page_linked_from_the_content_serves_only_that_page(
    exclusion_rules: ExclusionRules,
) -> None:
    linked = service('<p><a href="/planning/contact">Contact the planning team</a></p>' + FORM)
    team = contact("<p>Call 01632 960 111.</p>", path="/planning/contact")
    findings, notes = audit(exclusion_rules, linked, team, service(FORM, path="/other"))
    assert [f.page for f in findings] == [SITE + "/other"]
    assert "1 page link to a contact page that shows one" in notes[0]


def test_information_and_page_feedback_need_no_route(exclusion_rules: ExclusionRules) -> None:
    info = two_way("/apply", InteractionClass.INFORMATION, mode=Mode.ONE_WAY)
    feedback = two_way("/apply", InteractionClass.CONSULTATIVE, tags=("site_feedback",))
    findings, notes = audit(exclusion_rules, ("/apply", doc(FORM), [info, feedback]))
    assert findings == [] and notes == []


def test_flags_at_most_max_per_page(exclusion_rules: ExclusionRules) -> None:
    many = [replace(two_way("/apply"), id=f"i-{n}", selector=f"#f{n}") for n in range(9)]
    findings, _ = audit(exclusion_rules, ("/apply", doc(FORM), many))
    limit = exclusion_rules.rules["DCX001"].option("max_per_page", 5)
    assert len(findings) == limit == 5


def test_a_bad_site_chrome_selector_is_a_rule_pack_error() -> None:
    pack = load_pack(builtin_rules_dir() / "exclusion")
    data = {**pack.data}
    name = next(k for k, v in data.items() if isinstance(v, dict) and "assisted_routes" in v)
    routes = {**data[name]["assisted_routes"], "site_chrome": ["footer[["]}
    data[name] = {"assisted_routes": routes}
    with pytest.raises(RulePackError, match="malformed"):
        load_exclusion_rules([replace(pack, data=data)])


def test_demo_site_s_contact_page_serves_every_service(tmp_path: Path) -> None:
    """The demo council lists its phone number and address on /contact/, linked from every
    page's header: no service is flagged, and the run says the site level decided."""
    settings = load_settings(
        {"out_dir": str(tmp_path), "delay": 0.0, "browser": False}, environ={}, cwd=tmp_path
    )
    with DemoServer() as server:
        result = run_audit(settings, [server.url])
    with Store(tmp_path / "dcaudit.sqlite") as store:
        assert not [f for f in store.findings(result.run.id) if f.rule == "DCX001"]
    notes = [n for n in result.run.notes if n.startswith("assisted route (DCX001)")]
    assert len(notes) == 1
    assert notes[0].startswith("assisted route (DCX001) judged at site level: /contact/ shows")
