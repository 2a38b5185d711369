"""summary.md: a short Markdown summary for pull-request comments and CI job summaries.

Page text is untrusted and Markdown renders links, images and some HTML, so every value from a
site is escaped: a hostile title cannot add a link, a tracking image or markup to the comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dcaudit.checks.assisted_route import NOTE_PREFIX as ROUTE_NOTE
from dcaudit.chunks import with_interactions
from dcaudit.models import Outcome
from dcaudit.report.aggregate import ACCESSIBILITY, FACTORS, group_linked, pages_of_rules
from dcaudit.report.changes import changes_markdown
from dcaudit.report.data import ReportData
from dcaudit.report.headline import IMPACTS, failures_text
from dcaudit.report.meta import tool_info
from dcaudit.report.site import host_of
from dcaudit.report.text import md, plain

TOP_RULES = 10


def render_markdown(data: ReportData, gate_failures: Sequence[str] = ()) -> str:
    tool = tool_info(data.run)
    host = host_of(data.run.seeds[0]) if data.run.seeds else ""
    title = md(data.site_name or host or "(no seed)", 100)
    if host and host != data.site_name:
        title += f" ({md(host, 100)})"
    lines = [
        f"## dcaudit: {title}",
        "",
        f"Run `{plain(data.run.id, 80).replace('`', '')}`, {md(data.run.started, 40)}, "
        f"status **{data.run.status.value}**; dcaudit {md(tool['version'] or '?', 20)}, "
        f"axe-core {md(tool['axe_core'] or 'not run', 20)}.",
        "",
    ]
    if gate_failures:
        lines += ["### :x: Gate failed", ""]
        lines += [f"- {md(failure, 200)}" for failure in gate_failures]
        lines.append("")
    if data.changes is not None:
        lines += changes_markdown(data.changes, data.rules)
    lines += _figures(data.summary)
    lines += [f"- {md(note, 400)}" for note in data.run.notes if note.startswith(ROUTE_NOTE)]
    lines += [""] if lines[-1] != "" else []
    wanted = [(Outcome.VIOLATION, (*ACCESSIBILITY, *FACTORS))]
    (groups,) = group_linked(
        with_interactions(data.interactions, data.findings),
        wanted,
        data.rules,
        pages_of_rules(data.findings, wanted),
    )
    if groups:
        lines += [
            "### Top rules",
            "",
            "| Rule | Impact | Pages | Instances | Two-way affected |",
            "|---|---|---:|---:|---:|",
        ]
        for g in groups[:TOP_RULES]:
            impact = g.impact.value if g.impact else "unrated"
            lines.append(
                f"| {md(g.rule, 60)}: {md(g.title, 90)} | {impact} | {g.page_count} | "
                f"{g.nodes} | {g.blocked_total} |"
            )
        if len(groups) > TOP_RULES:
            lines.append("")
            lines.append(f"{len(groups) - TOP_RULES} more rules in report.html and findings.csv.")
        lines.append("")
    lines.append("dcaudit measures what a site offers, not outcomes.")
    return "\n".join(lines) + "\n"


def _why(pages: dict[str, Any]) -> str:
    text = failures_text(pages)
    return f" ({md(text, 200)})" if text else ""


def _figures(s: dict[str, Any]) -> list[str]:
    """The headline table: each figure one number; a row's parts add up to it."""
    share = "n/a" if s["two_way_share"] is None else f"{s['two_way_share'] * 100:.0f}%"
    two_way = s["interactions"]["by_mode"]["two_way"]
    impacts = s["findings"]["by_impact"]
    review = s["interactions"].get("needs_review", 0)
    return [
        "| Figure | Value |",
        "|---|---:|",
        f"| **Two-way interactions with barriers** | **{s['blocked_two_way']} of {two_way}** |",
        f"| Pages audited | {s['pages']['total']} |",
        f"| Pages that failed | {s['pages']['errors']}{_why(s['pages'])} |",
        f"| Interactions (every page) | {s['interactions']['total']} |",
        f"| Distinct interactions (repeats counted once) | {s['interactions']['distinct']} |",
        f"| Two-way share | {share} |",
        f"| Four Co's covered | {s['four_cos_coverage']['count']} of 4 |",
        "| Violations (critical / serious / moderate / minor / unrated) | "
        + " / ".join(str(impacts[i]) for i in IMPACTS)
        + f" = {s['findings']['by_outcome']['violation']} |",
        f"| Findings that need review | {s['findings']['by_outcome']['needs_review']} |",
        f"| Interactions that need a person to check their class | {review} |",
        f"| Checks that failed | {s['findings']['by_outcome']['error']} |",
        f"| Site risk (0 = no barrier found, 100 = severe barriers on every page) | "
        f"{s['risk']['site']:g} |",
        "",
    ]
