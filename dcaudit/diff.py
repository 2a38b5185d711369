"""What changed between a baseline and a run: the difference the gate fails on.

Findings are ``new`` (an identity the baseline does not hold, or whose entry expired),
``unchanged`` or ``fixed`` (in the baseline, gone now). Interactions are ``new``, ``gone``,
``reclassified`` (same identity, another class) or ``unchanged``; a two-way interaction
that is gone or became one-way is a **lost two-way** interaction. Pages added and removed,
site risk before and after, and rule packs whose version changed complete the picture.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dcaudit.baseline import (
    Baseline,
    FindingEntry,
    InteractionEntry,
    baseline_of,
    finding_entry,
    group_findings,
    group_interactions,
    interaction_entry,
)
from dcaudit.models import IMPACT_ORDER, Finding, Impact, Interaction, Outcome, Page, Run, Source

NEW, UNCHANGED, ABSENT = "new", "unchanged", "absent"


@dataclass(frozen=True)
class FindingChange:
    """One finding identity that is new or fixed, with its findings in this run."""

    entry: FindingEntry
    findings: tuple[Finding, ...] = ()
    expired: str | None = None  # the date its baseline entry stopped covering it

    @property
    def impact(self) -> Impact | None:
        return Impact(self.entry.impact) if self.entry.impact else None

    @property
    def is_violation(self) -> bool:
        return self.entry.outcome == Outcome.VIOLATION.value


@dataclass(frozen=True)
class InteractionChange:
    before: InteractionEntry | None
    after: InteractionEntry | None
    interactions: tuple[Interaction, ...] = ()

    @property
    def entry(self) -> InteractionEntry:
        entry = self.after or self.before
        assert entry is not None
        return entry

    @property
    def lost_two_way(self) -> bool:
        return (
            self.before is not None
            and self.before.two_way
            and (self.after is None or not self.after.two_way)
        )


@dataclass(frozen=True)
class Changes:
    baseline_run: str
    baseline_created: str
    new: tuple[FindingChange, ...]
    fixed: tuple[FindingChange, ...]
    unchanged: int  # finding identities in both
    expired: tuple[FindingEntry, ...]  # baseline entries past their date
    appeared: tuple[InteractionChange, ...]
    gone: tuple[InteractionChange, ...]
    reclassified: tuple[InteractionChange, ...]
    interactions_unchanged: int
    pages_added: tuple[str, ...]
    pages_removed: tuple[str, ...]
    risk_before: float | None
    risk_after: float | None
    rule_packs: tuple[tuple[str, str | None, str | None], ...]  # (pack, before, after)
    state: dict[str, str] = field(default_factory=dict)  # finding id -> new / unchanged

    @property
    def lost_two_way(self) -> tuple[InteractionChange, ...]:
        return tuple(c for c in (*self.gone, *self.reclassified) if c.lost_two_way)

    @property
    def new_violations(self) -> tuple[FindingChange, ...]:
        return tuple(c for c in self.new if c.is_violation)

    @property
    def risk_delta(self) -> float | None:
        if self.risk_before is None or self.risk_after is None:
            return None
        return round(self.risk_after - self.risk_before, 1)


def compare(
    baseline: Baseline,
    run: Run,
    pages: Iterable[Page],
    interactions: Sequence[Interaction],
    findings: Sequence[Finding],
    *,
    today: date | None = None,
) -> Changes:
    """The changes from ``baseline`` to a run's records."""
    current = baseline_of(run, pages, (), ())
    new, fixed, unchanged, expired, state = _findings(baseline, findings, today or date.today())
    appeared, gone, reclassified, same = _interactions(baseline, interactions)
    old_pages, new_pages = set(baseline.pages), set(current.pages)
    packs = sorted(set(baseline.rule_packs) | set(current.rule_packs))
    return Changes(
        baseline_run=baseline.run,
        baseline_created=baseline.created,
        new=new,
        fixed=fixed,
        unchanged=unchanged,
        expired=expired,
        appeared=appeared,
        gone=gone,
        reclassified=reclassified,
        interactions_unchanged=same,
        pages_added=tuple(sorted(new_pages - old_pages)),
        pages_removed=tuple(sorted(old_pages - new_pages)),
        risk_before=baseline.site_risk,
        risk_after=current.site_risk,
        rule_packs=tuple(
            (name, baseline.rule_packs.get(name), current.rule_packs.get(name))
            for name in packs
            if baseline.rule_packs.get(name) != current.rule_packs.get(name)
        ),
        state=state,
    )


def _findings(
    baseline: Baseline, findings: Sequence[Finding], today: date
) -> tuple[
    tuple[FindingChange, ...],
    tuple[FindingChange, ...],
    int,
    tuple[FindingEntry, ...],
    dict[str, str],
]:
    known = {e.id: e for e in baseline.findings}
    expired = {e.id: e for e in baseline.findings if e.expires and e.expires < today.isoformat()}
    groups = group_findings(findings)
    new: list[FindingChange] = []
    state: dict[str, str] = {}
    for identity, group in groups.items():
        if identity in known and identity not in expired:
            state.update((f.id, UNCHANGED) for f in group)
            continue
        state.update((f.id, NEW) for f in group)
        gone_on = expired[identity].expires if identity in expired else None
        new.append(FindingChange(finding_entry(identity, group), tuple(group), gone_on))
    fixed = [FindingChange(e) for e in baseline.findings if e.id not in groups]
    unchanged = sum(1 for identity in groups if identity in known and identity not in expired)
    return (
        tuple(sorted(new, key=_severity_order)),
        tuple(sorted(fixed, key=_severity_order)),
        unchanged,
        tuple(expired.values()),
        state,
    )


def _severity_order(change: FindingChange) -> tuple[int, int, str, str, str]:
    impact = change.impact
    return (
        0 if change.is_violation else 1,
        -(IMPACT_ORDER[impact] if impact else 0),
        change.entry.rule,
        change.entry.page,
        change.entry.locator,
    )


def _interactions(
    baseline: Baseline, interactions: Sequence[Interaction]
) -> tuple[
    tuple[InteractionChange, ...], tuple[InteractionChange, ...], tuple[InteractionChange, ...], int
]:
    before = {e.id: e for e in baseline.interactions}
    groups = group_interactions(interactions)
    appeared: list[InteractionChange] = []
    reclassified: list[InteractionChange] = []
    same = 0
    for identity, group in groups.items():
        after = interaction_entry(identity, group)
        old = before.get(identity)
        if old is None:
            appeared.append(InteractionChange(None, after, tuple(group)))
        elif old.cls != after.cls:
            reclassified.append(InteractionChange(old, after, tuple(group)))
        else:
            same += 1
    gone = [InteractionChange(e, None) for e in baseline.interactions if e.id not in groups]

    def order(change: InteractionChange) -> tuple[bool, str, str, str]:
        entry = change.entry
        return (not change.lost_two_way, entry.kind, entry.page, entry.label)

    return (
        tuple(sorted(appeared, key=order)),
        tuple(sorted(gone, key=order)),
        tuple(sorted(reclassified, key=order)),
        same,
    )


# -- gate metrics --------------------------------------------------------------------
# metric name -> words used when a condition fails
CHANGE_METRICS: dict[str, str] = {
    "new": "new violations",
    "fixed": "fixed violations",
    "lost_two_way": "two-way interactions lost",
    "new_interactions": "new interactions",
    "gone_interactions": "interactions gone",
    "reclassified": "interactions reclassified",
    "expired": "baseline entries expired",
    "pages_added": "pages added",
    "pages_removed": "pages removed",
    "site_risk_delta": "site risk change",
}
# new.<these>: counted over the new findings
NEW_SUBSETS = (
    "critical",
    "serious",
    "moderate",
    "minor",
    "blocking",
    "violations",
    "needs_review",
    *(s.value for s in Source),
)


def change_values(changes: Changes) -> dict[str, float | None]:
    """Each change metric's value (``new.<subset>`` included; ``new.rule(ID)`` is
    :func:`new_of_rule`)."""
    violations = changes.new_violations
    values: dict[str, float | None] = {
        "new": len(violations),
        "fixed": sum(1 for c in changes.fixed if c.is_violation),
        "lost_two_way": len(changes.lost_two_way),
        "new_interactions": len(changes.appeared),
        "gone_interactions": len(changes.gone),
        "reclassified": len(changes.reclassified),
        "expired": len(changes.expired),
        "pages_added": len(changes.pages_added),
        "pages_removed": len(changes.pages_removed),
        "site_risk_delta": changes.risk_delta,
    }
    for subset in NEW_SUBSETS:
        values[f"new.{subset}"] = _count_new(changes, subset)
    return values


def _count_new(changes: Changes, subset: str) -> int:
    if subset == "needs_review":
        return sum(1 for c in changes.new if not c.is_violation)
    impacts: Mapping[str, Any] = {
        "blocking": (Impact.CRITICAL, Impact.SERIOUS),
        **{i.value: (i,) for i in Impact},
    }
    violations = changes.new_violations
    if subset in impacts:
        return sum(1 for c in violations if c.impact in impacts[subset])
    if subset == "violations":
        return len(violations)
    return sum(1 for c in violations if c.findings and c.findings[0].source.value == subset)


def new_of_rule(changes: Changes, rule: str) -> int:
    wanted = rule.strip().lower()
    return sum(1 for c in changes.new_violations if c.entry.rule.lower() == wanted)
