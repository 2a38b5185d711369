"""Findings grouped the way people read them: by rule across pages, and by what to fix first.

Large runs (thousands of pages, tens of thousands of findings) stay readable because each rule
is one group with page and node counts and only its first instances are kept for display;
findings.csv has every one. A group is described by its rule's title and advice
(report/rules.py), never by the message of one of its instances.

What to fix first is grouped by the fix: one card per rule and page template (pages sharing a
layout share the cause), listing the interactions fixing it unblocks, ordered by how many
two-way interactions that is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from dcaudit.models import IMPACT_ORDER, Finding, Impact, Interaction, Mode, Outcome, Page, Source
from dcaudit.report.rules import RuleText
from dcaudit.summary import attached_findings, mode_of

INSTANCES_SHOWN = 50  # per rule; the rest are counted
BLOCKED_SHOWN = 20  # two-way interactions listed per rule
SITE_WIDE = "site"  # the template of a fix that one site-wide change makes
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
    title: str  # the rule's, never an instance's message
    advice: str | None  # the rule's own advice, the same for every instance
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
    texts: Mapping[str, RuleText] | None = None,
) -> list[RuleGroup]:
    """One group per rule, worst impact first, then the most pages, then the most nodes."""
    groups: dict[str, RuleGroup] = {}
    for finding in findings:
        if finding.outcome is not outcome or finding.source not in sources:
            continue
        group = groups.get(finding.rule)
        if group is None:
            text = describe(finding.rule, texts)
            group = groups[finding.rule] = RuleGroup(
                rule=finding.rule,
                source=finding.source,
                outcome=finding.outcome,
                impact=finding.impact,
                title=text.title,
                advice=text.advice,
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


def describe(rule_id: str, texts: Mapping[str, RuleText] | None) -> RuleText:
    return (texts or {}).get(rule_id) or RuleText(rule_id)


@dataclass
class FixGroup:
    """One fix: a rule's violations on the pages of one template, and what fixing it unblocks."""

    rule: str
    template: str  # the pages' layout signature, the page URL without one, or SITE_WIDE
    title: str
    advice: str | None
    help_url: str | None
    impact: Impact | None  # the worst seen
    pages: dict[str, None] = field(default_factory=dict)  # in order seen
    interactions: dict[str, Interaction] = field(default_factory=dict)
    example: Finding | None = None  # the first instance, for its element

    @property
    def two_way(self) -> list[Interaction]:
        return [i for i in self.interactions.values() if mode_of(i) is Mode.TWO_WAY]

    @property
    def others(self) -> list[Interaction]:
        return [i for i in self.interactions.values() if mode_of(i) is not Mode.TWO_WAY]


def fix_groups(
    links: Links,
    pages: Mapping[str, Page],
    texts: Mapping[str, RuleText] | None = None,
    limit: int = 12,
) -> tuple[list[FixGroup], int]:
    """Violations on interactions grouped by rule and page template (or across the site, for
    a rule one site-wide change fixes), ranked by the two-way
    interactions a fix unblocks, then the worst impact, then all interactions unblocked.
    Returns the first ``limit`` groups and how many there are."""
    groups: dict[tuple[str, str], FixGroup] = {}
    for interaction in links.interactions.values():
        for finding in links.attached.get(interaction.id, ()):
            if finding.outcome is not Outcome.VIOLATION:
                continue
            text = describe(finding.rule, texts)
            page = pages.get(finding.page)
            template = (page.template if page else None) or finding.page
            if text.site_fix:
                template = SITE_WIDE
            group = groups.get((finding.rule, template))
            if group is None:
                group = groups[(finding.rule, template)] = FixGroup(
                    finding.rule, template, text.title, text.advice, finding.help_url, None
                )
                group.example = finding
            if impact_rank(finding.impact) > impact_rank(group.impact):
                group.impact = finding.impact
            group.pages[finding.page] = None
            group.interactions.setdefault(interaction.id, interaction)
    ranked = sorted(
        groups.values(),
        key=lambda g: (
            -len(g.two_way),
            -impact_rank(g.impact),
            -len(g.interactions),
            g.rule,
            g.template,
        ),
    )
    return ranked[:limit], len(ranked)
