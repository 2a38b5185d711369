"""How far the static checks agree with axe-core on the pages both looked at.

Each static rule names the axe rules it corresponds to (``axe_rules:`` in its YAML). Axe
and our selectors differ in form, so agreement is counted per page and rule: on a page,
``min(static count, axe count)`` findings agree and the surplus on either side disagrees.
Any outcome counts as flagged (axe's "incomplete" and our needs-review included), error
findings do not. A rule whose disagreements outnumber its agreements is flagged as
contradicting axe: per the project's standard, that is a bug to fix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from dcaudit.checks.static_a11y import StaticRules
from dcaudit.models import Finding, Outcome, Source


@dataclass(frozen=True)
class Agreement:
    axe_rule: str
    static_rules: tuple[str, ...]
    pages: int  # pages where either side flagged something
    both: int  # findings matched on the same page
    static_only: int
    axe_only: int

    @property
    def rate(self) -> float | None:
        total = self.both + self.static_only + self.axe_only
        return self.both / total if total else None

    @property
    def contradicts(self) -> bool:
        return self.static_only + self.axe_only > self.both


def compare_with_axe(
    static_findings: Sequence[Finding],
    axe_findings: Sequence[Finding],
    rules: StaticRules,
    checked_pages: Collection[str] | None = None,
) -> dict[str, Agreement]:
    """Per mapped axe rule id (without the ``axe/`` prefix), how the two sides agree.

    ``checked_pages`` are the pages the browser pass ran on; static findings elsewhere are
    not compared. Without it, the pages that have any axe finding are used.
    """
    pages = set(checked_pages) if checked_pages is not None else {f.page for f in axe_findings}
    groups = _mapping_groups(rules)
    group_of_static = {sid: key for key, (sids, _) in groups.items() for sid in sids}
    group_of_axe = {aid: key for key, (_, aids) in groups.items() for aid in aids}
    ours: Counter[tuple[str, str]] = Counter()
    for finding in static_findings:
        key = group_of_static.get(finding.rule)
        if (
            key is not None
            and finding.source == Source.STATIC
            and finding.outcome != Outcome.ERROR
            and finding.page in pages
        ):
            ours[(key, finding.page)] += 1
    theirs: Counter[tuple[str, str]] = Counter()
    for finding in axe_findings:
        key = group_of_axe.get(finding.rule.removeprefix("axe/"))
        if key is not None and finding.outcome != Outcome.ERROR and finding.page in pages:
            theirs[(key, finding.page)] += 1
    table = {}
    for key, (static_ids, _) in sorted(groups.items()):
        both = static_only = axe_only = flagged_pages = 0
        for page in pages:
            mine, axes = ours[(key, page)], theirs[(key, page)]
            if mine or axes:
                flagged_pages += 1
            both += min(mine, axes)
            static_only += max(0, mine - axes)
            axe_only += max(0, axes - mine)
        table[key] = Agreement(
            axe_rule=key,
            static_rules=tuple(sorted(static_ids)),
            pages=flagged_pages,
            both=both,
            static_only=static_only,
            axe_only=axe_only,
        )
    return table


def _mapping_groups(rules: StaticRules) -> dict[str, tuple[set[str], set[str]]]:
    """Static and axe rules joined wherever a mapping links them, so one static rule that
    covers two axe rules (button and input-button names) is compared with both at once."""
    groups: list[tuple[set[str], set[str]]] = []
    for rule in rules.rules:
        if not rule.axe_rules:
            continue
        statics, axes = {rule.id}, set(rule.axe_rules)
        for group in [g for g in groups if g[1] & axes]:
            groups.remove(group)
            statics |= group[0]
            axes |= group[1]
        groups.append((statics, axes))
    return {"+".join(sorted(axes)): (statics, axes) for statics, axes in groups}


def agreement_lines(table: dict[str, Agreement]) -> list[str]:
    """A plain-text table for logs and the benchmark report."""
    header = f"{'axe rule':24} {'ours':15} {'pages':>5} {'both':>5} {'ours only':>9}"
    lines = [f"{header} {'axe only':>8}  rate"]
    for row in table.values():
        rate = "-" if row.rate is None else f"{row.rate:.0%}"
        flag = "  CONTRADICTS AXE" if row.contradicts else ""
        lines.append(
            f"{row.axe_rule:24} {','.join(row.static_rules):15} {row.pages:>5} {row.both:>5} "
            f"{row.static_only:>9} {row.axe_only:>8}  {rate}{flag}"
        )
    return lines
