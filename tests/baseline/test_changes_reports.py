"""The changes in each output: escaped like every other text from an audited page."""

from __future__ import annotations

import json
from dataclasses import replace

from dcaudit.baseline import baseline_of
from dcaudit.diff import Changes, compare
from dcaudit.models import Finding, InteractionClass
from dcaudit.report import build_report_data, render_html, render_markdown, render_sarif
from dcaudit.report.changes import changes_markdown, terminal_lines
from dcaudit.report.data import with_changes

from .test_baseline import FINDINGS, INTERACTIONS, PAGES, finding, form, run

HOSTILE = "<script>alert(1)</script>`](javascript:x) @team"


def hostile_changes() -> tuple[Changes, Finding]:
    """A new finding and a two-way interaction become utility, both with hostile text."""
    baseline = baseline_of(run(), PAGES, INTERACTIONS, FINDINGS)
    bad = finding("DCA001", "/news/x/", f"main img[alt={HOSTILE}]")
    gone_form = form("/consult/", "Have your say", InteractionClass.UTILITY)
    changed = [replace(gone_form, label=HOSTILE), INTERACTIONS[1]]
    return compare(baseline, run(), PAGES, changed, [*FINDINGS, bad]), bad


def test_markdown_changes_escape_page_text() -> None:
    changes, _ = hostile_changes()
    text = "\n".join(changes_markdown(changes, {}))
    # outside code spans (whose content Markdown shows as it is) page text is escaped
    for line in text.splitlines():
        outside = line.split("`")[::2]
        assert line.count("`") % 2 == 0
        for part in outside:
            assert "<script>" not in part
            assert "](javascript" not in part
            assert "@team" not in part  # no mention: a zero-width space follows @
    assert "#### New problems (1)" in text
    assert "#### Two-way interactions lost (1)" in text


def test_terminal_lines_put_new_problems_first_and_end_with_the_count() -> None:
    changes, _ = hostile_changes()
    lines = terminal_lines(changes, {})
    assert lines[0].startswith("NEW: serious DCA001")
    assert lines[1].startswith("LOST: consultative form")
    assert lines[-1].startswith("baseline r1: 1 new, 0 fixed")


def test_html_and_sarif_carry_the_changes_escaped() -> None:
    changes, bad = hostile_changes()
    fixture = run()
    data = with_changes(build_report_data(fixture, PAGES, INTERACTIONS, [*FINDINGS, bad]), changes)
    html = render_html(data)
    assert 'id="changes-h"' in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    sarif = json.loads(render_sarif(data))
    states = {r["ruleId"]: r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert set(states.values()) <= {"new", "unchanged", "absent"}
    assert "## dcaudit" in render_markdown(data)
    assert "### Changes since the baseline" in render_markdown(data)
