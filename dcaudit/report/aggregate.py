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

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from dcaudit.chunks import pages_per_rule
from dcaudit.models import IMPACT_ORDER, Finding, Impact, Interaction, Mode, Outcome, Page, Source
from dcaudit.report.rules import RuleText
from dcaudit.summary import attached_findings, mode_of

INSTANCES_SHOWN = 50  # per rule; the rest are counted
BLOCKED_SHOWN = 20  # two-way interactions listed per rule
FIX_KEPT = 50  # interactions of each mode kept per fix (more than a card lists); the rest counted
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
    pages: set[int] = field(default_factory=set)  # hashes of the URLs: only counted
    pages_counted: int | None = None  # the pages counted by SQLite instead
    instances: list[Finding] = field(default_factory=list)
    blocked: dict[str, Interaction] = field(default_factory=dict)  # two-way, first few
    seen: set[int] = field(default_factory=set)  # hashes of every two-way interaction's id

    @property
    def page_count(self) -> int:
        return self.pages_counted if self.pages_counted is not None else len(self.pages)

    @property
    def blocked_total(self) -> int:
        return len(self.seen)

    @property
    def more(self) -> int:
        return self.nodes - len(self.instances)


def group_by_rule(
    findings: Iterable[Finding],
    links: Links,
    *,
    outcome: Outcome,
    sources: Collection[Source],
    texts: Mapping[str, RuleText] | None = None,
) -> list[RuleGroup]:
    """One group per rule, worst impact first, then the most pages, then the most nodes."""
    pairs = (
        (f, [links.interactions[i] for i in links.two_way_of_finding.get(f.id, ())])
        for f in findings
    )
    return group_linked(pairs, [(outcome, sources)], texts)[0]


Linked = Iterable[tuple[Finding, Sequence[Interaction]]]  # each finding, the interactions it is on


def group_linked(
    linked: Linked,
    wanted: Sequence[tuple[Outcome, Collection[Source]]],
    texts: Mapping[str, RuleText] | None = None,
    page_counts: Sequence[Mapping[str, int]] | None = None,
) -> list[list[RuleGroup]]:
    """:func:`group_by_rule` for each (outcome, sources) in ``wanted``, in one pass over the
    findings; what a group keeps beyond its first instances is counted, not listed. With
    ``page_counts`` (rule -> pages, per item of ``wanted``) no group keeps its pages."""
    counted = page_counts is not None
    grouped: list[dict[str, RuleGroup]] = [{} for _ in wanted]
    for finding, interactions in linked:
        two_way = [i for i in interactions if mode_of(i) is Mode.TWO_WAY]
        for groups, (outcome, sources) in zip(grouped, wanted, strict=True):
            if finding.outcome is outcome and finding.source in sources:
                _add(groups, finding, two_way, texts, counted)
    for groups, counts in zip(grouped, page_counts or (), strict=False):
        for group in groups.values():
            group.pages_counted = counts.get(group.rule, 0)
    return [
        sorted(
            groups.values(), key=lambda g: (-impact_rank(g.impact), -g.page_count, -g.nodes, g.rule)
        )
        for groups in grouped
    ]


def pages_of_rules(
    findings: Iterable[Finding], wanted: Sequence[tuple[Outcome, Collection[Source]]]
) -> list[dict[str, int]] | None:
    """The ``page_counts`` of :func:`group_linked` for a stored run, None in memory."""
    counts = []
    for outcome, sources in wanted:
        found = pages_per_rule(findings, outcome.value, [s.value for s in sources])
        if found is None:
            return None
        counts.append(found)
    return counts


def _add(
    groups: dict[str, RuleGroup],
    finding: Finding,
    two_way: list[Interaction],
    texts: Mapping[str, RuleText] | None,
    counted: bool,
) -> None:
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
    if not counted:
        group.pages.add(hash(finding.page))
    if len(group.instances) < INSTANCES_SHOWN:
        group.instances.append(finding)
    for interaction in two_way:
        if hash(interaction.id) not in group.seen:
            group.seen.add(hash(interaction.id))
            if len(group.blocked) < BLOCKED_SHOWN:
                group.blocked[interaction.id] = interaction


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
    pages: set[int] = field(default_factory=set)  # hashes of the URLs: only counted
    two_way: list[Interaction] = field(default_factory=list)  # the first FIX_KEPT, in order
    others: list[Interaction] = field(default_factory=list)  # the first FIX_KEPT, in order
    two_way_total: int = 0
    others_total: int = 0
    seen: set[int] = field(default_factory=set)  # hashes of the interaction ids
    example: Finding | None = None  # the first instance, for its element

    @property
    def interactions_total(self) -> int:
        return self.two_way_total + self.others_total

    def count(self, interaction: Interaction) -> None:
        if hash(interaction.id) in self.seen:
            return
        self.seen.add(hash(interaction.id))
        if mode_of(interaction) is Mode.TWO_WAY:
            self.two_way_total += 1
        else:
            self.others_total += 1

    def keep(self, interaction: Interaction) -> None:
        """Listed in the order first seen, up to FIX_KEPT of each mode."""
        kept = self.two_way if mode_of(interaction) is Mode.TWO_WAY else self.others
        if len(kept) < FIX_KEPT and all(i.id != interaction.id for i in kept):
            kept.append(interaction)


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
    return fixes_of(
        lambda: ((i, links.attached.get(i.id, [])) for i in links.interactions.values()),
        pages,
        texts,
        limit,
    )


Pairs = Iterable[tuple[Interaction, Sequence[Finding]]]  # each interaction, its findings


def fixes_of(
    pairs: Callable[[], Pairs],
    pages: Mapping[str, Page],
    texts: Mapping[str, RuleText] | None = None,
    limit: int = 12,
) -> tuple[list[FixGroup], int]:
    """:func:`fix_groups` in two passes over ``pairs()``: every group counted in the first
    (a few hundred bytes each), the interactions and example of the first ``limit`` kept
    in the second."""
    groups: dict[tuple[str, str], FixGroup] = {}
    for interaction, finding, template, text in _fixes(pairs(), pages, texts):
        group = groups.get((finding.rule, template))
        if group is None:
            group = groups[(finding.rule, template)] = FixGroup(
                finding.rule, template, text.title, text.advice, finding.help_url, None
            )
        if impact_rank(finding.impact) > impact_rank(group.impact):
            group.impact = finding.impact
        group.pages.add(hash(finding.page))
        group.count(interaction)
    ranked = sorted(
        groups.values(),
        key=lambda g: (
            -g.two_way_total,
            -impact_rank(g.impact),
            -g.interactions_total,
            g.rule,
            g.template,
        ),
    )
    shown = {(g.rule, g.template): g for g in ranked[:limit]}
    for interaction, finding, template, _ in _fixes(pairs(), pages, texts):
        group = shown.get((finding.rule, template))
        if group is not None:
            group.example = group.example or finding
            group.keep(interaction)
    return ranked[:limit], len(ranked)


def _fixes(
    pairs: Pairs, pages: Mapping[str, Page], texts: Mapping[str, RuleText] | None
) -> Iterator[tuple[Interaction, Finding, str, RuleText]]:
    """Each violation on an interaction, with the template of its fix and its rule's text."""
    for interaction, found in pairs:
        for finding in found:
            if finding.outcome is not Outcome.VIOLATION:
                continue
            text = describe(finding.rule, texts)
            page = pages.get(finding.page)
            template = (page.template if page else None) or finding.page
            yield interaction, finding, SITE_WIDE if text.site_fix else template, text
