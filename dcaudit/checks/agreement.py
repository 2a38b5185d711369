"""How far the static checks agree with axe-core on the pages both looked at.

Each static rule names the axe rules it corresponds to (``axe_rules:`` in its YAML). Axe
and our selectors differ in form, so agreement is counted per page and rule: on a page,
``min(static count, axe count)`` findings agree and the surplus on either side disagrees.
Any outcome counts as flagged (axe's "incomplete" and our needs-review included), error
findings do not. A rule whose disagreements outnumber its agreements is flagged as
contradicting axe: per the project's standard, that is a bug to fix.
"""

from __future__ import annotations

from collections import Counter, defaultdict
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
    to_axe: dict[str, list[str]] = defaultdict(list)
    for rule in rules.rules:
        for axe_rule in rule.axe_rules:
            to_axe[axe_rule].append(rule.id)
    ours: Counter[tuple[str, str]] = Counter()
    for finding in static_findings:
        if finding.source != Source.STATIC or finding.outcome == Outcome.ERROR:
            continue
        if finding.page in pages:
            for axe_rule, static_ids in to_axe.items():
                if finding.rule in static_ids:
                    ours[(axe_rule, finding.page)] += 1
    theirs: Counter[tuple[str, str]] = Counter()
    for finding in axe_findings:
        name = finding.rule.removeprefix("axe/")
        if finding.outcome != Outcome.ERROR and name in to_axe and finding.page in pages:
            theirs[(name, finding.page)] += 1
    table = {}
    for axe_rule, static_ids in sorted(to_axe.items()):
        both = static_only = axe_only = flagged_pages = 0
        for page in pages:
            mine, axes = ours[(axe_rule, page)], theirs[(axe_rule, page)]
            if mine or axes:
                flagged_pages += 1
            both += min(mine, axes)
            static_only += max(0, mine - axes)
            axe_only += max(0, axes - mine)
        table[axe_rule] = Agreement(
            axe_rule=axe_rule,
            static_rules=tuple(static_ids),
            pages=flagged_pages,
            both=both,
            static_only=static_only,
            axe_only=axe_only,
        )
    return table


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
