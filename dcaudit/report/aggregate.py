"""Findings grouped the way people read them: by rule across pages, and by what to fix first.

Large runs (thousands of pages, tens of thousands of findings) stay readable because each rule
is one group with page and node counts and only its first instances are kept for display;
findings.csv has every one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from dcaudit.models import IMPACT_ORDER, Finding, Impact, Interaction, Mode, Outcome, Source
from dcaudit.summary import attached_findings, mode_of

INSTANCES_SHOWN = 50  # per rule; the rest are counted
BLOCKED_SHOWN = 20  # two-way interactions listed per rule
ACCESSIBILITY = (Source.AXE, Source.STATIC)
FACTORS = (Source.EXCLUSION, Source.SECURITY)


def impact_rank(impact: Impact | None) -> int:
    return IMPACT_ORDER[impact] if impact is not None else 0


@dataclass(frozen=True)
class Links:
    """Which findings sit on which interactions, worked out once per render."""

    interactions: dict[str, Interaction]  # by id
    attached: dict[str, list[Finding]]  # interaction id -> its findings
    two_way_of_finding: dict[str, list[str]]  # finding id -> two-way interaction ids


def link(interactions: Sequence[Interaction], findings: Sequence[Finding]) -> Links:
    attached = attached_findings(interactions, findings)
    two_way: dict[str, list[str]] = {}
    for interaction in interactions:
        if mode_of(interaction) is Mode.TWO_WAY:
            for finding in attached.get(interaction.id, ()):
                two_way.setdefault(finding.id, []).append(interaction.id)
    return Links({i.id: i for i in interactions}, attached, two_way)


@dataclass
class RuleGroup:
    rule: str
    source: Source
    outcome: Outcome
    impact: Impact | None  # the worst seen
    message: str  # from the first finding
    help_url: str | None
    wcag: tuple[str, ...]
    nodes: int = 0
    pages: set[str] = field(default_factory=set)
    instances: list[Finding] = field(default_factory=list)
    blocked: dict[str, Interaction] = field(default_factory=dict)  # two-way, first few
    seen: set[str] = field(default_factory=set)  # every two-way interaction id affected

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def blocked_total(self) -> int:
        return len(self.seen)

    @property
    def more(self) -> int:
        return self.nodes - len(self.instances)


def group_by_rule(
    findings: Sequence[Finding],
    links: Links,
    *,
    outcome: Outcome,
    sources: Collection[Source],
) -> list[RuleGroup]:
    """One group per rule, worst impact first, then the most pages, then the most nodes."""
    groups: dict[str, RuleGroup] = {}
    for finding in findings:
        if finding.outcome is not outcome or finding.source not in sources:
            continue
        group = groups.get(finding.rule)
        if group is None:
            group = groups[finding.rule] = RuleGroup(
                rule=finding.rule,
                source=finding.source,
                outcome=finding.outcome,
                impact=finding.impact,
                message=finding.message,
                help_url=finding.help_url,
                wcag=finding.wcag,
            )
        elif impact_rank(finding.impact) > impact_rank(group.impact):
            group.impact = finding.impact
        group.nodes += 1
        group.pages.add(finding.page)
        if len(group.instances) < INSTANCES_SHOWN:
            group.instances.append(finding)
        for interaction_id in links.two_way_of_finding.get(finding.id, ()):
            if interaction_id not in group.seen:
                group.seen.add(interaction_id)
                if len(group.blocked) < BLOCKED_SHOWN:
                    group.blocked[interaction_id] = links.interactions[interaction_id]
    return sorted(
        groups.values(),
        key=lambda g: (-impact_rank(g.impact), -g.page_count, -g.nodes, g.rule),
    )


@dataclass(frozen=True)
class FixItem:
    """One interaction and the barriers on it, with the fixes."""

    interaction: Interaction
    barriers: tuple[Finding, ...]  # violations, worst first

    @property
    def worst(self) -> Impact | None:
        return self.barriers[0].impact if self.barriers else None


def fix_first(links: Links, limit: int = 15) -> list[FixItem]:
    """Interactions with violations, ranked: two-way first, then the most severe barrier,
    then the number of barriers, then risk."""
    items: list[FixItem] = []
    for interaction in links.interactions.values():
        barriers = [
            f for f in links.attached.get(interaction.id, ()) if f.outcome is Outcome.VIOLATION
        ]
        if not barriers:
            continue
        barriers.sort(key=lambda f: -impact_rank(f.impact))
        items.append(FixItem(interaction, tuple(barriers)))
    items.sort(
        key=lambda item: (
            mode_of(item.interaction) is not Mode.TWO_WAY,
            -impact_rank(item.worst),
            -len(item.barriers),
            -(item.interaction.risk.score if item.interaction.risk else 0.0),
        )
    )
    return items[:limit]
