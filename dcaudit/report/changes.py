"""What changed since a baseline, in words: Markdown for pull-request comments (the
``summary.md`` section and ``dcaudit diff``), lines for the terminal, and plain data for JSON.

New problems come first, then two-way interactions lost, then counts. Lists are cut at
TOP_ITEMS so a comment stays well inside a pull-request comment's size; the full report
has everything. Page text is untrusted: Markdown escapes it (``md``), the terminal gets
``plain`` text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dcaudit.diff import Changes, FindingChange, InteractionChange
from dcaudit.report.aggregate import describe
from dcaudit.report.rules import RuleText
from dcaudit.report.text import is_http_url, md, plain

TOP_ITEMS = 10


def impact_word(change: FindingChange) -> str:
    if not change.is_violation:
        return "needs review"
    return change.entry.impact or "unrated"


def finding_words(change: FindingChange, texts: Mapping[str, RuleText] | None) -> str:
    """'serious DCA001 Image has no text alternative: /parks/ (main img[src=/oak.jpg])'."""
    entry = change.entry
    title = describe(entry.rule, texts).title
    pages = len({f.page for f in change.findings})
    more = f" and {pages - 1} more page{'s' if pages > 2 else ''}" if pages > 1 else ""
    where = f" ({entry.locator})" if entry.locator else ""
    expired = f" [baseline entry expired {change.expired}]" if change.expired else ""
    return f"{impact_word(change)} {entry.rule} {title}: {entry.page}{more}{where}{expired}"


def interaction_words(change: InteractionChange) -> str:
    """'consultative form "Have your say" on /consult/: gone'."""
    entry = change.entry
    label = f'"{entry.label}"' if entry.label else "(no label)"
    before = change.before.cls if change.before else None
    shown = before or (change.after.cls if change.after else None) or "unclassified"
    where = f"{shown} {entry.kind} {label} on {entry.page}"
    if change.after is None:
        return f"{where}: gone"
    if change.before is None:
        return f"{where}: new"
    return f"{where}: now {change.after.cls or 'unclassified'}"


def code(value: object, limit: int = 160) -> str:
    """Untrusted text as a Markdown code span: one line, no backticks (nothing else in a
    code span is read as Markdown)."""
    text = plain(value, limit).replace("`", "'")
    return f"`{text}`" if text else ""


def finding_markdown(change: FindingChange, texts: Mapping[str, RuleText] | None) -> str:
    entry = change.entry
    title = md(describe(entry.rule, texts).title, 160)
    pages = len({f.page for f in change.findings})
    more = f" and {pages - 1} more page{'s' if pages > 2 else ''}" if pages > 1 else ""
    where = f" {code(entry.locator)}" if entry.locator else ""
    expired = f" (baseline entry expired {md(change.expired, 12)})" if change.expired else ""
    return (
        f"**{impact_word(change)}** {code(entry.rule, 60)} {title}: "
        f"{code(entry.page)}{more}{where}{expired}"
    )


def interaction_markdown(change: InteractionChange) -> str:
    entry = change.entry
    before = change.before.cls if change.before else None
    shown = before or (change.after.cls if change.after else None) or "unclassified"
    label = f'"{md(entry.label, 100)}"' if entry.label else "(no label)"
    where = f"**{shown}** {entry.kind} {label} on {code(entry.page)}"
    if change.after is None:
        return f"{where}: gone"
    if change.before is None:
        return f"{where}: new"
    return f"{where}: now **{change.after.cls or 'unclassified'}**"


def count_line(changes: Changes) -> str:
    """The one-line count the terminal ends the comparison with."""
    delta = changes.risk_delta
    risk = "" if delta is None else f"; site risk {delta:+g}"
    return (
        f"baseline {changes.baseline_run}: {len(changes.new_violations)} new, "
        f"{sum(1 for c in changes.fixed if c.is_violation)} fixed, "
        f"{changes.unchanged} unchanged; {len(changes.lost_two_way)} two-way lost, "
        f"interactions {len(changes.appeared)} new, {len(changes.gone)} gone, "
        f"{len(changes.reclassified)} reclassified; pages {len(changes.pages_added)} added, "
        f"{len(changes.pages_removed)} removed{risk}"
    )


def terminal_lines(changes: Changes, texts: Mapping[str, RuleText] | None) -> list[str]:
    """New problems first, then lost two-way interactions and expired entries, then the
    one-line count."""
    lines = [f"NEW: {plain(finding_words(c, texts), 300)}" for c in changes.new[:TOP_ITEMS]]
    if len(changes.new) > TOP_ITEMS:
        lines.append(f"NEW: ... and {len(changes.new) - TOP_ITEMS} more in the report")
    lines += [f"LOST: {plain(interaction_words(c), 300)}" for c in changes.lost_two_way]
    for entry in changes.expired:
        lines.append(f"EXPIRED: baseline entry {entry.rule} on {entry.page} ({entry.expires})")
    lines.append(count_line(changes))
    return lines


def changes_markdown(
    changes: Changes,
    texts: Mapping[str, RuleText] | None,
    report_url: str | None = None,
    title: str = "Changes since the baseline",
) -> list[str]:
    """The Markdown section: top items of each list, then counts, then the full report."""
    lines = [
        f"### {title}",
        "",
        f"Compared with {'baseline ' if 'baseline' in title else ''}run "
        f"`{plain(changes.baseline_run, 60).replace('`', '')}` "
        f"({md(changes.baseline_created, 40)}).",
        "",
    ]
    others = [c for c in (*changes.gone, *changes.reclassified) if not c.lost_two_way]
    sections = (
        ("New problems", [finding_markdown(c, texts) for c in changes.new]),
        ("Two-way interactions lost", [interaction_markdown(c) for c in changes.lost_two_way]),
        ("Fixed", [finding_markdown(c, texts) for c in changes.fixed]),
        ("Interactions that appeared", [interaction_markdown(c) for c in changes.appeared]),
        ("Other interactions gone or reclassified", [interaction_markdown(c) for c in others]),
        ("Pages added", [code(p) for p in changes.pages_added]),
        ("Pages removed", [code(p) for p in changes.pages_removed]),
    )
    for heading, items in sections:
        lines += _items(heading, items)
    lines += _counts(changes)
    if changes.expired:
        lines += [
            f"{len(changes.expired)} baseline entries expired: their findings count as new.",
            "",
        ]
    if changes.rule_packs:
        packs = ", ".join(f"{n} {b or 'none'} to {a or 'none'}" for n, b, a in changes.rule_packs)
        lines += [f"Rule packs changed since the baseline: {md(packs, 300)}.", ""]
    link = f"[report.html]({report_url})" if report_url and is_http_url(report_url) else None
    lines.append(f"Full report: {link or 'report.html'}")
    return [*lines, ""]


def _items(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    lines = [f"#### {title} ({len(items)})", ""]
    lines += [f"{n}. {text}" for n, text in enumerate(items[:TOP_ITEMS], 1)]
    if len(items) > TOP_ITEMS:
        lines.append(f"\n... and {len(items) - TOP_ITEMS} more in the full report.")
    return [*lines, ""]


def count_rows(changes: Changes) -> list[tuple[str, str, bool]]:
    """(what, figure, whether it fails a gate on new problems) for the counts table."""
    before, after = changes.risk_before, changes.risk_after
    risk = f"{_num(before)} → {_num(after)}"
    if changes.risk_delta is not None:
        risk += f" ({changes.risk_delta:+g})"
    interactions = (
        f"{len(changes.appeared)} / {len(changes.gone)} / {len(changes.reclassified)} / "
        f"{changes.interactions_unchanged}"
    )
    return [
        ("New violations", str(len(changes.new_violations)), True),
        ("Two-way interactions lost", str(len(changes.lost_two_way)), True),
        ("Fixed violations", str(sum(1 for c in changes.fixed if c.is_violation)), False),
        ("Findings unchanged", str(changes.unchanged), False),
        (
            "New findings that need review",
            str(len(changes.new) - len(changes.new_violations)),
            False,
        ),
        ("Interactions new / gone / reclassified / unchanged", interactions, False),
        (
            "Pages added / removed",
            f"{len(changes.pages_added)} / {len(changes.pages_removed)}",
            False,
        ),
        ("Site risk before → after", risk, False),
    ]


def _counts(changes: Changes) -> list[str]:
    rows = ["| Change | Count |", "|---|---:|"]
    for what, figure, key in count_rows(changes):
        rows.append(f"| **{what}** | **{figure}** |" if key else f"| {what} | {figure} |")
    return [*rows, ""]


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def changes_dict(changes: Changes) -> dict[str, Any]:
    """The changes as plain data (``report.json``'s ``changes``, ``dcaudit diff --format
    json``): identities and counts, no page text beyond labels."""

    def finding(change: FindingChange) -> dict[str, Any]:
        return {
            **change.entry.to_dict(),
            "finding_ids": [f.id for f in change.findings],
            "expired": change.expired,
        }

    def interaction(change: InteractionChange) -> dict[str, Any]:
        return {
            "before": change.before.to_dict() if change.before else None,
            "after": change.after.to_dict() if change.after else None,
            "lost_two_way": change.lost_two_way,
        }

    return {
        "baseline": {"run": changes.baseline_run, "created": changes.baseline_created},
        "findings": {
            "new": [finding(c) for c in changes.new],
            "fixed": [finding(c) for c in changes.fixed],
            "unchanged": changes.unchanged,
            "expired": [e.to_dict() for e in changes.expired],
        },
        "interactions": {
            "new": [interaction(c) for c in changes.appeared],
            "gone": [interaction(c) for c in changes.gone],
            "reclassified": [interaction(c) for c in changes.reclassified],
            "unchanged": changes.interactions_unchanged,
            "lost_two_way": len(changes.lost_two_way),
        },
        "pages": {"added": list(changes.pages_added), "removed": list(changes.pages_removed)},
        "risk": {
            "before": changes.risk_before,
            "after": changes.risk_after,
            "delta": changes.risk_delta,
        },
        "rule_packs": [
            {"pack": name, "before": before, "after": after}
            for name, before, after in changes.rule_packs
        ],
    }


HTML_ITEMS = 100  # rows per list in report.html; dcaudit diff --format json has them all


def changes_view(changes: Changes, texts: Mapping[str, RuleText] | None) -> dict[str, Any]:
    """What report.html's "Changes since the baseline" section shows."""

    def finding(change: FindingChange) -> dict[str, Any]:
        entry = change.entry
        return {
            "impact": impact_word(change),
            "rule": entry.rule,
            "title": describe(entry.rule, texts).title,
            "page": entry.page,
            "pages": len({f.page for f in change.findings}),
            "locator": entry.locator,
            "expired": change.expired,
        }

    others = [c for c in (*changes.gone, *changes.reclassified) if not c.lost_two_way]
    return {
        "run": changes.baseline_run,
        "created": changes.baseline_created,
        "new": [finding(c) for c in changes.new[:HTML_ITEMS]],
        "new_total": len(changes.new),
        "new_violations": len(changes.new_violations),
        "lost": [interaction_words(c) for c in changes.lost_two_way],
        "fixed": [finding(c) for c in changes.fixed[:HTML_ITEMS]],
        "fixed_total": len(changes.fixed),
        "appeared": [interaction_words(c) for c in changes.appeared[:HTML_ITEMS]],
        "appeared_total": len(changes.appeared),
        "others": [interaction_words(c) for c in others[:HTML_ITEMS]],
        "others_total": len(others),
        "pages_added": list(changes.pages_added[:HTML_ITEMS]),
        "pages_removed": list(changes.pages_removed[:HTML_ITEMS]),
        "counts": count_rows(changes),
        "risk": (changes.risk_before, changes.risk_after, changes.risk_delta),
        "unchanged": changes.unchanged,
        "expired": len(changes.expired),
    }
