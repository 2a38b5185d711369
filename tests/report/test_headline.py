"""The headline: the barrier share first, site risk as detail, and every card's parts adding
up to the number it states."""

from __future__ import annotations

import re
from dataclasses import replace

import lxml.html
import pytest

from dcaudit.models import Interaction, InteractionClass, Mode, Page
from dcaudit.report import ReportData, build_report_data, render_html
from dcaudit.report.headline import Card, headline

from .fixture_run import FixtureRun

_NUMBER = re.compile(r"^\s*(\d[\d,]*)")


def _number(text: str) -> int:
    found = _NUMBER.match(text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def _unusual(fixture: FixtureRun) -> ReportData:
    """The fixture with what tends to break sums: an unclassified interaction, a page that is
    neither HTML nor a document, and findings without an impact."""
    odd = replace(fixture.interactions[2], id="odd", interaction_class=None, mode=None)
    other = Page("https://www.example-council.gov.uk/feed", None, 200, "text/calendar", 10, 1)
    findings = [
        replace(f, impact=None) if n % 5 == 0 else f for n, f in enumerate(fixture.findings)
    ]
    return build_report_data(
        fixture.run, [*fixture.pages, other], [*fixture.interactions, odd], findings
    )


def _cards(data: ReportData) -> dict[str, Card]:
    return {card.key: card for card in headline(data.summary).cards}


@pytest.mark.parametrize("variant", ["fixture", "unusual"])
def test_every_card_s_parts_add_up_to_its_total(fixture: FixtureRun, variant: str) -> None:
    data = build_report_data(fixture.run, fixture.pages, fixture.interactions, fixture.findings)
    data = data if variant == "fixture" else _unusual(fixture)
    cards = _cards(data)
    s = data.summary
    assert cards["violations"].total == s["findings"]["by_outcome"]["violation"]
    assert cards["interactions"].total == s["interactions"]["total"]
    assert cards["distinct"].total == s["interactions"]["distinct"]
    assert cards["pages"].total == s["pages"]["total"]
    for card in cards.values():
        if card.parts:
            assert card.parts_total == card.total, card


@pytest.mark.parametrize("variant", ["fixture", "unusual"])
def test_rendered_cards_add_up(fixture: FixtureRun, variant: str) -> None:
    """What a reader sees: each card's figure, and its parts listed under it."""
    data = build_report_data(fixture.run, fixture.pages, fixture.interactions, fixture.findings)
    data = data if variant == "fixture" else _unusual(fixture)
    tree = lxml.html.document_fromstring(render_html(data))
    checked = 0
    for card in tree.xpath("//dl[@class='figures']/div"):
        parts = [_number(li.text_content()) for li in card.xpath(".//ul[@class='parts']/li")]
        figure = card.xpath(".//span[@class='figure']")[0].text_content()
        if not parts or "%" in figure:
            continue
        total = _number(figure.split(" of ")[-1]) if " of " in figure else _number(figure)
        assert sum(parts) == total, card.text_content()
        checked += 1
    assert checked >= 5
    # totals and distinct counts never share a card
    interactions = tree.get_element_by_id("card-interactions").text_content()
    assert "distinct" not in interactions


def test_barrier_share_is_the_headline_figure_with_risk_as_detail(fixture: FixtureRun) -> None:
    data = build_report_data(fixture.run, fixture.pages, fixture.interactions, fixture.findings)
    tree = lxml.html.document_fromstring(render_html(data))
    section = tree.get_element_by_id("headline")
    share = tree.get_element_by_id("barrier-share")
    assert section.index(share) < section.index(section.find(".//dl"))
    text = " ".join(share.text_content().split())
    assert text.startswith("6 of 9 two-way interactions have barriers")
    # the risk is detail, and says what its scale means
    assert f"Site risk {data.summary['risk']['site']:g} of 100." in text
    assert "0 (no barrier found) to 100" in text
    assert not tree.xpath("//dl[@class='figures']//dt[text()='Site risk']")


def test_headline_without_two_way_interactions_says_so(fixture: FixtureRun) -> None:
    one_way: list[Interaction] = [
        i for i in fixture.interactions if i.interaction_class is InteractionClass.INFORMATION
    ]
    assert all(i.mode is Mode.ONE_WAY for i in one_way)
    data = build_report_data(fixture.run, fixture.pages, one_way, [])
    share = lxml.html.document_fromstring(render_html(data)).get_element_by_id("barrier-share")
    assert "No two-way interactions found" in " ".join(share.text_content().split())
