"""summary.md: headline table, top rules, gate failures; page text cannot inject Markdown."""

from __future__ import annotations

from dcaudit.report import ReportData, build_report_data, render_markdown
from dcaudit.report.markdown import md

from .hostile_run import hostile_run


def test_markdown_has_headline_table_and_top_rules(data: ReportData) -> None:
    text = render_markdown(data)
    assert "| Two-way share | 60% |" in text
    assert "| **Two-way interactions with barriers** | **6 of 9** |" in text
    # the parts add up to the total: no impact is left out
    violations = "| Violations (critical / serious / moderate / minor / unrated) |"
    assert f"{violations} 5 / 14 / 8 / 0 / 0 = 27 |" in text
    assert "| Interactions that need a person to check their class | 2 |" in text
    assert "### Top rules" in text
    assert "Gate failed" not in text


def test_markdown_lists_failing_gate_conditions(data: ReportData) -> None:
    text = render_markdown(data, ["serious violations: 14 > 0", "errors: 2 > 0"])
    assert "### :x: Gate failed" in text
    assert "- serious violations: 14 \\> 0" in text
    assert "- errors: 2 \\> 0" in text


def test_md_escapes_links_images_html_and_mentions() -> None:
    text = md("[click](http://evil.example/) ![x](y.png) <b>hi</b> a|b @everyone")
    assert "[click]" not in text and "![" not in text and "<b>" not in text
    assert "a\\|b" in text
    assert "@everyone" not in text


def test_markdown_hostile_run_keeps_table_rows_intact() -> None:
    fx = hostile_run()
    text = render_markdown(build_report_data(fx.run, fx.pages, fx.interactions, fx.findings))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    # each table row still has its own number of unescaped cell separators
    for row in rows:
        assert row.replace("\\|", "").count("|") in (3, 6)
    assert "<script>" not in text
    assert "](http" not in text
