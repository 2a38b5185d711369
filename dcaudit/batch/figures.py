"""Each body's figures, measured from its stored run on the same definitions for all.

Read from the store one body at a time, streaming pages, interactions and findings, so the
memory a comparison needs does not grow with the size of the sites (only with the number
of pages, kept as two counts each for the bootstrap). The definitions, stated again in the
comparison's method section:

* two-way share: two-way interactions over classified interactions that are not utilities
  (as in the single-site report);
* digital-layer share: digital-layer interactions over the same;
* Four Co's: two-way interactions carrying each Co;
* closes-the-loop share: two-way interactions that visibly close the loop, over two-way;
* exclusion barriers: exclusion-factor violations, per 100 pages reached, and those on
  two-way interactions per two-way interaction;
* accessibility: axe-core and static violations per HTML page reached, with and without
  the target-size rules (WCAG 2.2's target size is new, and weighs heavily on old sites);
* needs_review share: interactions whose two likeliest classes were close.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dcaudit.batch.ledger import BatchBody
from dcaudit.models import (
    MODE_OF_CLASS,
    FourCo,
    Interaction,
    InteractionClass,
    Mode,
    Outcome,
    Participation,
    SkipReason,
    Source,
)
from dcaudit.store import Store

TARGET_SIZE_RULES = frozenset({"target-size"})  # axe-core's WCAG 2.2 target-size rule
ACCESSIBILITY_SOURCES = frozenset({Source.AXE, Source.STATIC})


@dataclass
class BodyFigures:
    """One body in one batch: its state and every compared figure."""

    name: str
    url: str
    groups: dict[str, str]
    status: str  # the body's state in the batch (ledger)
    detail: str | None = None
    run_id: str | None = None
    started: str | None = None
    finished: str | None = None
    run_status: str | None = None
    notes: tuple[str, ...] = ()
    tool: dict[str, Any] = field(default_factory=dict)
    pages_reached: int = 0  # fetched without error
    html_pages: int = 0
    robots_blocked: int = 0
    failed: int = 0  # pages whose fetch failed
    browser_checked: int = 0
    interactions: int = 0
    counted: int = 0  # classified, not utility: the share's denominator
    two_way: int = 0
    digital_layer: int = 0
    closes_loop: int = 0  # two-way interactions that close the loop
    needs_review: int = 0
    four_cos: dict[str, int] = field(default_factory=dict)
    iap2: dict[str, int] = field(default_factory=dict)
    exclusion_barriers: int = 0
    two_way_barriers: int = 0  # exclusion barriers on two-way interactions
    a11y_violations: int = 0
    target_size: int = 0
    per_page: list[tuple[int, int]] = field(default_factory=list)  # (two-way, counted)

    @property
    def measured(self) -> bool:
        """Reached with at least one page: the body can be compared."""
        return self.run_id is not None and self.pages_reached > 0

    @property
    def rank_share(self) -> float:
        """The share a body is ranked by: a body reached with nothing to do online has 0."""
        return self.figures()["two_way_share"] or 0.0

    def share(self, part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    def figures(self) -> dict[str, float | None]:
        """The compared ratios (None where the denominator is nothing)."""
        pages, html = self.pages_reached, self.html_pages
        return {
            "two_way_share": self.share(self.two_way, self.counted),
            "digital_layer_share": self.share(self.digital_layer, self.counted),
            "closes_loop_share": self.share(self.closes_loop, self.two_way),
            "needs_review_share": self.share(self.needs_review, self.interactions),
            "barriers_per_100_pages": self.share(self.exclusion_barriers * 100, pages),
            "barriers_per_two_way": self.share(self.two_way_barriers, self.two_way),
            "a11y_per_page": self.share(self.a11y_violations, html),
            "a11y_per_page_without_target_size": self.share(
                self.a11y_violations - self.target_size, html
            ),
        }


def ranks_of(shares: dict[str, float]) -> dict[str, int]:
    """Rank 1 is the highest share; equal shares share a rank."""
    return {name: 1 + sum(1 for o in shares.values() if o > s) for name, s in shares.items()}


def measure(store: Store, entry: BatchBody) -> BodyFigures:
    """The figures of one body of a batch (only its state when it has no run)."""
    body = entry.body
    figures = BodyFigures(
        name=body.name,
        url=body.url,
        groups=dict(body.groups),
        status=entry.status,
        detail=entry.detail,
        run_id=entry.run_id,
    )
    if entry.run_id is None:
        return figures
    run = store.get_run(entry.run_id)
    figures.started, figures.finished = run.started, run.finished
    figures.run_status, figures.notes, figures.tool = run.status.value, run.notes, run.tool
    figures.robots_blocked = store.skip_counts(run.id).get(SkipReason.ROBOTS.value, 0)
    _count_pages(store, figures)
    two_way_findings = _count_interactions(store, figures)
    _count_findings(store, figures, two_way_findings)
    return figures


def _count_pages(store: Store, figures: BodyFigures) -> None:
    assert figures.run_id is not None
    for page in store.pages(figures.run_id):
        if page.error is not None:
            figures.failed += 1
            continue
        figures.pages_reached += 1
        figures.html_pages += page.is_html
        figures.browser_checked += page.browser_checked


def _mode(interaction: Interaction) -> Mode | None:
    if interaction.mode is not None or interaction.interaction_class is None:
        return interaction.mode
    return MODE_OF_CLASS[interaction.interaction_class]


def _count_interactions(store: Store, figures: BodyFigures) -> tuple[set[str], set[str]]:
    """Count the interactions; the ids of the two-way ones and of their linked findings."""
    assert figures.run_id is not None
    per_page: dict[str, list[int]] = {}
    cos: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    two_way_ids: set[str] = set()
    linked: set[str] = set()
    for item in store.interactions(figures.run_id):
        figures.interactions += 1
        figures.needs_review += item.needs_review
        cls = item.interaction_class
        counts = per_page.setdefault(item.page, [0, 0])
        if cls is None or cls is InteractionClass.UTILITY:
            continue
        counts[1] += 1
        figures.counted += 1
        figures.digital_layer += cls is InteractionClass.DIGITAL_LAYER
        if item.participation is not None:
            levels[item.participation.value] += 1
        if _mode(item) is Mode.TWO_WAY:
            counts[0] += 1
            figures.two_way += 1
            figures.closes_loop += item.closes_loop
            cos.update(co.value for co in item.four_cos)
            two_way_ids.add(item.id)
            linked.update(item.finding_ids)
    figures.four_cos = {co.value: cos[co.value] for co in FourCo}
    figures.iap2 = {level.value: levels[level.value] for level in Participation}
    pages = max(figures.pages_reached, len(per_page))
    figures.per_page = [(two_way, counted) for two_way, counted in per_page.values()]
    figures.per_page += [(0, 0)] * (pages - len(per_page))  # pages without interactions
    return two_way_ids, linked


def _count_findings(store: Store, figures: BodyFigures, two_way: tuple[set[str], set[str]]) -> None:
    assert figures.run_id is not None
    ids, linked = two_way
    for finding in store.findings(figures.run_id):
        if finding.outcome is not Outcome.VIOLATION:
            continue
        if finding.source is Source.EXCLUSION:
            figures.exclusion_barriers += 1
            if finding.id in linked or finding.interaction in ids:
                figures.two_way_barriers += 1
        elif finding.source in ACCESSIBILITY_SOURCES:
            figures.a11y_violations += 1
            figures.target_size += finding.rule in TARGET_SIZE_RULES
