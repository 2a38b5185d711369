"""report.html without a browser: structure, self-containment, escaping and large-run caps."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from dataclasses import replace

import lxml.html
import pytest

from dcaudit.models import Finding, Interaction
from dcaudit.report import ReportData, build_report_data, render_html
from dcaudit.report.aggregate import INSTANCES_SHOWN
from dcaudit.report.html import INTERACTIONS_SHOWN_PER_CLASS

from .fixture_run import FixtureRun
from .hostile_run import BROKEN, SCRIPT, hostile_run


def _tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


@pytest.fixture
def html(data: ReportData) -> str:
    return render_html(data)


def test_html_has_sections_in_reading_order(html: str) -> None:
    tree = _tree(html)
    assert [h.text_content() for h in tree.iter("h2")] == [
        "Headline",
        "What to fix first",
        "Co-production map",
        "Interactions",
        "Accessibility",
        "Exclusion and security factors",
        "Method",
    ]


def test_html_headings_never_skip_a_level(html: str) -> None:
    levels = [int(h.tag[1]) for h in _tree(html).iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_html_has_landmarks_and_skip_link(html: str) -> None:
    tree = _tree(html)
    skip = tree.body[0]
    assert skip.tag == "a" and skip.get("href") == "#main"
    assert tree.get_element_by_id("main").tag == "main"
    assert tree.find(".//header") is not None and tree.find(".//footer") is not None
    assert tree.find(".//nav").get("aria-label")
    assert tree.get("lang") == "en"


def test_html_is_self_contained(html: str) -> None:
    tree = _tree(html)
    assert not tree.xpath("//link | //iframe | //img | //object | //embed | //*[@src]")
    scripts = tree.xpath("//script")
    assert len(scripts) == 1 and scripts[0].get("src") is None
    assert not re.search(r"url\(|@import", tree.xpath("//style")[0].text)
    # the only absolute URLs are links a reader may follow, never loaded resources
    assert not tree.xpath("//*[@href and not(self::a)]")


def test_html_csp_allows_only_own_inline_style_and_script(html: str) -> None:
    tree = _tree(html)
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    style = tree.xpath("//style")[0].text
    script = tree.xpath("//script")[0].text
    assert f"style-src 'sha256-{digest(style)}'" in csp
    assert f"script-src 'sha256-{digest(script)}'" in csp


def test_html_charts_have_text_alternative_and_data_table(html: str) -> None:
    tree = _tree(html)
    charts = tree.xpath("//svg")
    assert len(charts) == 3
    for svg in charts:
        assert svg.get("role") == "img"
        title_id, desc_id = svg.get("aria-labelledby").split()
        assert tree.get_element_by_id(title_id).tag == "title"
        assert tree.get_element_by_id(desc_id).text_content()
    desc = tree.get_element_by_id("chart-classes-desc").text_content()
    assert "Consultative: 4 interactions" in desc
    assert "Interactions by class (same data as the chart)" in html


def test_html_reports_digital_layer_as_no_digital_interaction_added(html: str) -> None:
    assert "Digital layer: no digital interaction added" in html
    assert "This is not a failure" in html
    tree = _tree(html)
    assert "Download the permit application form (PDF)" in tree.text_content()


def test_html_keeps_needs_review_apart_from_violations(html: str) -> None:
    tree = _tree(html)
    violations = tree.get_element_by_id("a11y-violations").text_content()
    reviews = tree.get_element_by_id("a11y-reviews").text_content()
    assert "identical-links-same-purpose" in reviews
    assert "identical-links-same-purpose" not in violations
    assert "axe/label" in violations and "axe/label" not in reviews


def test_html_rule_row_shows_blocked_two_way_interactions(html: str) -> None:
    row = next(
        tr
        for tr in _tree(html).get_element_by_id("a11y-violations").iter("tr")
        if "axe/label" in tr.text_content()
    )
    links = [a.text_content() for a in row.iter("a") if a.get("href", "").startswith("#ix-")]
    assert links == ["Report a missed bin collection"]


def test_html_fix_first_is_one_card_per_fix_ranked_by_two_way_unblocked(html: str) -> None:
    cards = _tree(html).xpath("//ol[@class='fix']/li")
    titles = [c.find("h3").text_content() for c in cards]
    assert titles[0] == "Form elements must have labels"  # two criticals on a service form
    unblocked = [
        int(re.search(r"unblocks (\d+) two-way", c.text_content()).group(1))  # type: ignore[union-attr]
        for c in cards
    ]
    assert unblocked == sorted(unblocked, reverse=True)
    # each card names the interactions its fix unblocks, linked to their rows
    first = [a.text_content() for a in cards[0].iter("a") if a.get("href", "").startswith("#ix-")]
    assert first == ["Report a missed bin collection"]
    # the first screen shows different things to do (a rule recurs only on another layout)
    rules = [c.xpath(".//p[@class='where']//code")[0].text_content() for c in cards]
    assert len(set(rules[:4])) == 4


def test_html_title_names_the_site_with_its_host(html: str) -> None:
    tree = _tree(html)
    assert tree.findtext(".//title").endswith("Example Council (www.example-council.gov.uk)")
    h1 = tree.find(".//h1")
    assert "Example Council" in h1.text_content()
    assert h1.find("span").text_content() == "www.example-council.gov.uk"


def test_html_marks_interactions_whose_class_needs_review(html: str) -> None:
    rows = {r.find("td/strong").text_content(): r for r in _tree(html).xpath("//tr[@data-ix]")}
    comment = rows["Comment on the draft policies map"].text_content()
    assert "needs review (runner-up: Information)" in comment
    # the learned signals' contributions, signed (a true minus sign)
    assert "+0.42" in comment and "\u22120.13" in comment
    assert "needs review" in rows["See proposals on the map and their status"].text_content()
    assert "runner-up" not in rows["See proposals on the map and their status"].text_content()
    assert "needs review" not in rows["Report a missed bin collection"].text_content()
    card = _tree(html).get_element_by_id("card-class_checks").text_content()
    assert "2 interactions need a person to check their class" in card


def test_html_says_how_assisted_routes_were_judged(fixture: FixtureRun) -> None:
    note = (
        "assisted route (DCX001) judged at site level: /contact-us shows “01234 567890”, "
        "which the site's header or footer links to, so it counts for every page"
    )
    run = replace(fixture.run, notes=(*fixture.run.notes, note))
    html = render_html(build_report_data(run, fixture.pages, fixture.interactions, []))
    factors = _tree(html).get_element_by_id("factors").text_content()
    assert "How assisted routes were judged: " + note in factors


def test_html_method_states_versions_theory_and_caveat(html: str) -> None:
    method = _tree(html).get_element_by_id("method").text_content()
    for expected in (
        "Loeffler",
        "Lember",
        "IAP2",
        "E-Participation",
        "axe-core",
        "4.14.1",
        "static-a11y",
        "1.1.0",
        "not outcomes",
        "refused by robots.txt",
        "/admin/",
        "Browser pass sampled",
        "server error (HTTP 500)",
        "axe-core timed out",
    ):
        assert expected in method, expected


def test_html_hostile_text_is_escaped_and_script_urls_are_not_links() -> None:
    fx = hostile_run()
    html = render_html(build_report_data(fx.run, fx.pages, fx.interactions, fx.findings, fx.skips))
    tree = _tree(html)
    assert len(tree.xpath("//script")) == 1
    assert not tree.xpath("//img | //iframe | //svg[@onload]")
    assert not [
        (el.tag, name)
        for el in tree.iter()
        if isinstance(el.tag, str)
        for name in el.attrib
        if name.lower().startswith("on")
    ]
    hrefs = tree.xpath("//a/@href")
    assert hrefs and all(h.startswith(("https://", "http://", "#")) for h in hrefs)
    assert "Fake heading" not in [h.text_content() for h in tree.iter("h1")]
    assert SCRIPT in tree.text_content()  # shown as text, not dropped
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;/details&gt;" in html  # broken markup escaped
    assert BROKEN in tree.text_content()


def _many(fx: FixtureRun, findings: int, interactions: int) -> ReportData:
    template_f: Finding = fx.findings[0]
    template_i: Interaction = fx.interactions[4]
    many_f = [replace(template_f, id=f"f-{n}", interaction=None) for n in range(findings)]
    many_i = [replace(template_i, id=f"i-{n}", finding_ids=()) for n in range(interactions)]
    return build_report_data(fx.run, fx.pages, many_i, many_f)


def test_html_caps_instances_per_rule_and_counts_the_rest(fixture: FixtureRun) -> None:
    html = render_html(_many(fixture, INSTANCES_SHOWN + 70, 1))
    assert f"120 instances, first {INSTANCES_SHOWN} shown" in html
    assert "70 more instances of this rule are listed in findings.csv" in html


def test_html_caps_interactions_per_class_and_counts_the_rest(fixture: FixtureRun) -> None:
    html = render_html(_many(fixture, 1, INTERACTIONS_SHOWN_PER_CLASS + 5))
    assert len(_tree(html).xpath("//tr[@data-ix]")) == INTERACTIONS_SHOWN_PER_CLASS
    assert "5 more transactional interactions are listed in interactions.csv" in html


def test_html_survives_malformed_seed_and_page_urls(fixture: FixtureRun) -> None:
    run = replace(fixture.run, seeds=("http://[broken",))
    pages = [replace(fixture.pages[0], url="http://[broken/x")]
    html = render_html(build_report_data(run, pages, fixture.interactions, fixture.findings))
    assert "http://[broken" in html


def test_html_report_passes_our_own_static_checks(html: str) -> None:
    """dcaudit's static accessibility checks find nothing on dcaudit's own report."""
    from dcaudit.checks.static_a11y import check_static, load_static_rules
    from dcaudit.engine.packs import load_packs
    from dcaudit.models import Outcome, Page
    from dcaudit.parse.document import parse_html

    url = "file:///report.html"
    page = Page(
        url=url, final_url=url, status=200, content_type="text/html", bytes=len(html), depth=0
    )
    findings = check_static(parse_html(url, html), page, [], load_static_rules(load_packs()))
    problems = [(f.rule, f.selector, f.message) for f in findings if f.outcome is not Outcome.ERROR]
    assert problems == []
    assert not [f for f in findings if f.outcome is Outcome.ERROR]


def test_html_headline_warns_when_the_browser_pass_did_not_run(data: ReportData) -> None:
    note = "browser pass did not run: chromium not found; static checks only"
    run = replace(data.run, notes=(*data.run.notes, note))
    html = render_html(replace(data, run=run))
    headline = html.index('id="headline"')
    warning = html.index("Incomplete run")
    assert headline < warning < html.index('class="figures"')
    assert "chromium not found" in html[warning : warning + 300]
