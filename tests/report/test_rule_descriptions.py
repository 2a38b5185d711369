"""Rules are described by their title and own advice in every format; an instance's message
describes only that instance (issue: DCX001 read "'Pay council tax online' is ..." everywhere)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import lxml.html
import pytest

from dcaudit.models import Finding
from dcaudit.report import (
    ReportData,
    build_report_data,
    render_html,
    render_markdown,
    render_sarif,
)
from dcaudit.report.rules import RuleText, rule_texts

from .fixture_run import FixtureRun

INSTANCE = "'Pay council tax online' is transactional and the page offers no phone"


@pytest.fixture
def many(fixture: FixtureRun) -> ReportData:
    """The fixture plus DCX001 on every two-way interaction, each with its own message."""
    base = next(f for f in fixture.findings if f.rule == "DCX001")
    extra = [
        replace(
            base,
            id=f"route-{n}",
            page=i.page,
            interaction=i.id,
            message=f"{INSTANCE} ({n}).",
        )
        for n, i in enumerate(fixture.interactions)
        if i.mode is not None and i.mode.value == "two_way"
    ]
    findings = [*extra, *fixture.findings]
    return build_report_data(fixture.run, fixture.pages, fixture.interactions, findings)


def _messages(findings: list[Finding]) -> set[str]:
    return {f.message for f in findings}


def _rule_cells(tree: lxml.html.HtmlElement) -> list[str]:
    """Where the HTML describes a rule: worst barriers, fix cards (without their example),
    the widespread table and the rule tables' first cell (instances sit in their own cell)."""
    cells = tree.xpath("//section[@id='headline']//ol/li")
    cells += tree.xpath("//ol[@class='fix']/li/h3 | //ol[@class='fix']/li/p[@class='advice']")
    cells += tree.xpath("//table[.//caption[@id='widespread-caption']]/tbody/tr/td[1]")
    cells += tree.xpath("//table[starts-with(@id, 'a11y-') or @id='factor-table']/tbody/tr/td[1]")
    return [" ".join(c.text_content().split()) for c in cells]


def test_html_describes_rules_by_title(many: ReportData) -> None:
    cells = _rule_cells(lxml.html.document_fromstring(render_html(many)))
    assert len(cells) > 10
    for cell in cells:
        assert not any(m in cell for m in _messages(many.findings)), cell
    joined = "\n".join(cells)
    assert "Service pages offer an assisted or offline route" in joined
    assert "No CAPTCHA in the way" in joined  # two instances, two different messages
    assert "Form elements must have labels" in joined  # axe-core's help, from the run


def test_html_keeps_instance_messages_with_their_instances(many: ReportData) -> None:
    tree = lxml.html.document_fromstring(render_html(many))
    table = tree.get_element_by_id("factor-table").text_content()
    assert f"{INSTANCE} (3)." in table and f"{INSTANCE} (4)." in table


def test_markdown_describes_rules_by_title(many: ReportData) -> None:
    rows = [r for r in render_markdown(many).splitlines() if r.startswith("| DCX001")]
    assert rows == [
        "| DCX001: Service pages offer an assisted or offline route | serious | 6 | 10 | 9 |"
    ]
    assert "Pay council tax" not in render_markdown(many)


def test_sarif_describes_rules_by_title(many: ReportData) -> None:
    rules = json.loads(render_sarif(many))["runs"][0]["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["DCX001"]["shortDescription"]["text"] == (
        "Service pages offer an assisted or offline route"
    )
    assert by_id["DCX001"]["fullDescription"]["text"].startswith("People who cannot use")
    assert by_id["axe/label"]["shortDescription"]["text"] == "Form elements must have labels"
    for rule in rules:
        assert rule["shortDescription"]["text"] not in _messages(many.findings)


def test_rule_texts_name_rules_without_a_description(fixture: FixtureRun) -> None:
    run = replace(fixture.run, tool={**fixture.run.tool, "axe_rules": {"axe/x": " Be  good "}})
    texts = rule_texts(run, ["axe/x", "axe/region", "ZZZ999", "DCX004"])
    assert texts["axe/x"] == RuleText("Be good")
    assert texts["axe/region"] == RuleText("axe-core rule region")
    assert texts["ZZZ999"] == RuleText("Rule ZZZ999")
    assert texts["DCX004"].title == "No CAPTCHA in the way" and texts["DCX004"].advice


def test_rule_texts_read_the_run_s_own_packs_and_skip_missing_ones(
    fixture: FixtureRun, tmp_path: Path
) -> None:
    pack = tmp_path / "local"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: local\nversion: 1.0.0\ndescription: A local pack.\nkind: exclusion\n"
    )
    (pack / "DCX901.yaml").write_text(
        "id: DCX901\ntitle: Local forms offer a paper copy\nsince: 0.1.0\nstatus: stable\n"
        "kind: exclusion\nimpact: moderate\nmessage: Offer a paper copy at the library.\n"
        "help: |\n  What it checks: a local rule for the report tests.\n"
    )
    paths = [str(pack), str(tmp_path / "gone")]  # a stored run's folder may be gone
    run = replace(fixture.run, settings={**fixture.run.settings, "rules_paths": paths})
    texts = rule_texts(run, ["DCX901", "DCX001"])
    assert texts["DCX901"] == RuleText(
        "Local forms offer a paper copy", "Offer a paper copy at the library."
    )
    assert texts["DCX001"].site_fix  # DCX001 is fixed once for the whole site
