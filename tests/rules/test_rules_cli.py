"""``dcaudit rules list | show | test`` behind the CLI."""

from __future__ import annotations

import pytest

from dcaudit import cli_rules
from dcaudit.engine.packs import Example, Rule, load_packs
from dcaudit.errors import ConfigError
from dcaudit.parse.document import ParsedPage

from .conftest import GOOD_RULE


def test_rules_cli_list_rows_are_sorted_by_pack_and_id() -> None:
    rows = cli_rules.list_rules(load_packs())
    ours = [r for r in rows if r.pack == "classify-en"]
    assert ours == sorted(ours, key=lambda r: r.id)
    row = next(r for r in rows if r.id == "DCC113")
    assert (row.pack, row.status) == ("classify-en", "stable")
    assert "consultation" in row.title.casefold()


def test_rules_cli_show_has_docs_match_and_examples() -> None:
    text = cli_rules.show_rule(load_packs(), "dcc128")
    assert text.startswith("DCC128")
    assert "Why it matters" in text and "site_feedback" in text
    assert "expect" in text and "ok" in text and "Was this page useful?" in text


def test_rules_cli_show_unknown_id_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown rule id 'DCC999'"):
        cli_rules.show_rule(load_packs(), "DCC999")


def test_rules_cli_test_reports_missing_examples_and_marks(write_pack) -> None:
    folder = write_pack(
        {
            "DCC951.yaml": GOOD_RULE.format(rule_id="DCC951"),
            "DCC952.yaml": GOOD_RULE.format(rule_id="DCC952"),
        },
        extra="language: en\n",
    )
    (folder / "tests" / "DCC952.html").write_text(
        "<html><body><!-- expect: DCC952 -->\n"
        '<a href="https://x.example/y">Have your say</a></body></html>'
    )
    report = cli_rules.test_rules(load_packs([folder]), ["DCC951", "DCC952"])
    assert not report.ok
    by_id = {r.rule_id: r for r in report.results}
    assert by_id["DCC951"].problems == ("no example file DCC951.html",)
    assert by_id["DCC952"].problems == ("needs at least one <!-- ok: ... --> example",)
    assert by_id["DCC952"].examples[0].passed
    assert "DCC952" in report.render()


def test_rules_cli_test_explains_a_wrong_example(write_pack) -> None:
    folder = write_pack({"DCC953.yaml": GOOD_RULE.format(rule_id="DCC953")}, extra="language: en\n")
    (folder / "tests" / "DCC953.html").write_text(
        """<html><body>
<!-- expect: DCC953 -->
<a href="https://x.example/pay">Pay your council tax</a>
<!-- ok: DCC953 -->
<a href="https://x.example/say">Have your say</a>
<!-- expect: DCC953 -->
<p>No interaction here</p>
</body></html>"""
    )
    result = cli_rules.test_rules(load_packs([folder]), ["DCC953"]).results[0]
    assert [(e.line, e.passed, e.reason) for e in result.examples] == [
        (2, False, "the rule did not fire"),
        (4, False, "the rule fired"),
        (6, False, "no interaction is extracted from the marked element"),
    ]


def test_rules_cli_kind_without_runner_is_not_runnable(write_pack, monkeypatch) -> None:
    rule = GOOD_RULE.format(rule_id="DCS950").replace("kind: classify", "kind: scoring")
    folder = write_pack({"DCS950.yaml": rule}, name="scoring-extra", kind="scoring")
    (folder / "tests" / "DCS950.html").write_text(
        "<html><body><!-- expect: DCS950 -->\n<p>x</p>\n<!-- ok: DCS950 -->\n<p>y</p></body></html>"
    )
    monkeypatch.delitem(cli_rules.EXAMPLE_RUNNERS, "scoring", raising=False)
    result = cli_rules.test_rules(load_packs([folder]), ["DCS950"]).results[0]
    assert not result.passed
    assert all(e.reason.startswith("not runnable") for e in result.examples)

    seen: list[str] = []

    def runner(rule: Rule, example: Example, parsed: ParsedPage) -> bool:
        seen.append(example.element.text or "")
        return example.expect

    monkeypatch.setitem(cli_rules.EXAMPLE_RUNNERS, "scoring", runner)
    assert cli_rules.test_rules(load_packs([folder]), ["DCS950"]).ok
    assert seen == ["x", "y"]
