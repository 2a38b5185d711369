"""Summary figures of one run: the numbers the headline, the CI gate and comparisons use.

Everything here is a pure function of the stored records, so a re-rendered report shows the
same figures as the run that produced it. The result is plain JSON (the ``summary`` of the
report contract).

How the risk figures are built (the report's Method section says the same):

* interaction risk is the score the scorer stored on each interaction;
* page risk is the weighted sum of the page's findings that the scorer stored on each page
  (``dcaudit.score.score_pages``: a barrier inside a two-way interaction weighs more);
* site risk is the average page's risk plus site-level findings (``score_site``), stored on
  the run, so sites of different sizes compare on the same scale.

Runs stored without page or site scores fall back to the highest interaction risk on a page
and the mean risk of the non-utility interactions.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from dcaudit.models import (
    IMPACT_ORDER,
    MODE_OF_CLASS,
    Finding,
    FourCo,
    Impact,
    Interaction,
    InteractionClass,
    Mode,
    Outcome,
    Page,
    Participation,
    Run,
    Source,
)

# UN E-Participation Index level for each IAP2 level (docs/method.md, "Interaction classes").
UN_EPI_LEVEL: dict[Participation, str] = {
    Participation.INFORM: "e_information",
    Participation.CONSULT: "e_consultation",
    Participation.INVOLVE: "e_decision_making",
    Participation.COLLABORATE: "e_decision_making",
    Participation.EMPOWER: "e_decision_making",
}
UN_EPI_LEVELS = ("e_information", "e_consultation", "e_decision_making")
TOP_PAGES = 10


def mode_of(interaction: Interaction) -> Mode | None:
    """The stored mode, or the one that follows from the class."""
    if interaction.mode is not None:
        return interaction.mode
    if interaction.interaction_class is None:
        return None
    return MODE_OF_CLASS[interaction.interaction_class]


def attached_findings(
    interactions: Iterable[Interaction], findings: Iterable[Finding]
) -> dict[str, list[Finding]]:
    """Interaction id -> its findings in stored order, for the given interactions only.

    A link may be recorded on either side (``finding.interaction`` or
    ``interaction.finding_ids``); each finding appears once per interaction.
    """
    linked: dict[str, list[str]] = {}
    known: set[str] = set()
    for interaction in interactions:
        known.add(interaction.id)
        for finding_id in interaction.finding_ids:
            linked.setdefault(finding_id, []).append(interaction.id)
    attached: dict[str, list[Finding]] = {}
    for finding in findings:
        targets = linked.get(finding.id, [])
        own = finding.interaction
        if own is not None and own in known and own not in targets:
            targets = [*targets, own]
        for interaction_id in dict.fromkeys(targets):
            attached.setdefault(interaction_id, []).append(finding)
    return attached


def summarise(
    run: Run,
    pages: Iterable[Page],
    interactions: Iterable[Interaction],
    findings: Iterable[Finding],
) -> dict[str, Any]:
    """The summary figures of a run (see the module docstring for the risk definitions)."""
    attached = attached_findings(interactions, findings)
    pairs = ((i, attached.get(i.id, [])) for i in interactions)
    return summarise_pairs(run, pages, pairs, findings)


def summarise_pairs(
    run: Run,
    pages: Iterable[Page],
    pairs: Iterable[tuple[Interaction, Sequence[Finding]]],
    findings: Iterable[Finding],
) -> dict[str, Any]:
    """:func:`summarise` in one pass over each kind of record, each interaction with its
    findings: what it keeps grows with the pages that have interactions, not with the run."""
    interactions = InteractionTally()
    for interaction, found in pairs:
        interactions.add(interaction, found)
    page_tally = PageTally(interactions.per_page)
    for page in pages:
        page_tally.add(page)
    finding_tally = FindingTally()
    for finding in findings:
        finding_tally.add(finding)
    return {
        "pages": page_tally.counts(),
        "interactions": interactions.counts(),
        "two_way_share": interactions.two_way_share(),
        "four_cos_coverage": interactions.four_cos_coverage(),
        "participation": interactions.participation(),
        "blocked_two_way": interactions.blocked,
        "findings": finding_tally.counts(),
        "errors": page_tally.errors + finding_tally.errors,
        "risk": _risk(run, page_tally, interactions),
    }


def failure_reason(error: str) -> str:
    """A page's error in a few words, to count pages by: "too many redirects (more than
    10)" is "too many redirects", "refused: 10.0.0.5 is a private address" is "refused"."""
    return error.split(" (", 1)[0].split(": ", 1)[0].strip() or error


class InteractionTally:
    """Counts over interactions seen one at a time, with their findings."""

    def __init__(self) -> None:
        self.total = self.needs_review = self.blocked = 0
        self.by_class: Counter[InteractionClass | None] = Counter()
        self.by_mode: Counter[Mode | None] = Counter()
        self.by_co: Counter[FourCo] = Counter()
        self.levels: Counter[Participation | None] = Counter()
        # the same control repeated on many pages (a header search box, a cookie banner)
        # counts once: what a site offers, not how often its template repeats it. Kept by
        # the hash of what makes it the same, with the mode of the last one seen.
        self.distinct: dict[int, Mode | None] = {}
        self.counted = self.two_way = 0  # classified, not utility; of them two-way
        self.two_way_cos: set[FourCo] = set()
        self.per_page: dict[str, list[float]] = {}  # url -> [highest risk, scored count]
        self.scored: list[float] = [0.0, 0.0]  # sum and count of non-utility risks

    def add(self, interaction: Interaction, found: Sequence[Finding]) -> None:
        mode = mode_of(interaction)
        cls = interaction.interaction_class
        self.total += 1
        self.needs_review += interaction.needs_review
        self.by_class[cls] += 1
        self.by_mode[mode] += 1
        self.by_co.update(interaction.four_cos)
        self.levels[interaction.participation] += 1
        key = (interaction.kind, interaction.target, interaction.label, cls)
        self.distinct[hash(key)] = mode
        if cls is not None and cls is not InteractionClass.UTILITY:
            self.counted += 1
            self.two_way += mode is Mode.TWO_WAY
        if mode is Mode.TWO_WAY:
            self.two_way_cos.update(interaction.four_cos)
            self.blocked += any(f.outcome is Outcome.VIOLATION for f in found)
        if interaction.risk is not None:
            score = float(interaction.risk.score)
            page = self.per_page.setdefault(interaction.page, [0.0, 0])
            page[0] = max(page[0], score)
            page[1] += 1
            if cls is not InteractionClass.UTILITY:
                self.scored[0] += score
                self.scored[1] += 1

    def counts(self) -> dict[str, Any]:
        distinct_modes = Counter(self.distinct.values())
        return {
            "total": self.total,
            "distinct": len(self.distinct),
            "distinct_by_mode": {m.value: distinct_modes[m] for m in Mode},
            # the two likeliest classes were close: a person should check the class
            "needs_review": self.needs_review,
            "unclassified": self.by_class[None],
            "by_class": {c.value: self.by_class[c] for c in InteractionClass},
            "by_mode": {m.value: self.by_mode[m] for m in Mode},
            "by_four_co": {co.value: self.by_co[co] for co in FourCo},
        }

    def two_way_share(self) -> float | None:
        """Two-way interactions over every classified interaction that is not a utility."""
        return round(self.two_way / self.counted, 4) if self.counted else None

    def four_cos_coverage(self) -> dict[str, Any]:
        # Only two-way interactions count: a Co tag on a one-way item offers no online route.
        covered = [co.value for co in FourCo if co in self.two_way_cos]
        return {
            "covered": covered,
            "missing": [co.value for co in FourCo if co not in self.two_way_cos],
            "count": len(covered),
            "of": len(FourCo),
        }

    def participation(self) -> dict[str, Any]:
        epi: Counter[str] = Counter()
        for level, count in self.levels.items():
            if level is not None:
                epi[UN_EPI_LEVEL[level]] += count
        return {
            "iap2": {p.value: self.levels[p] for p in Participation},
            "none": self.levels[None],
            "un_epi": {level: epi[level] for level in UN_EPI_LEVELS},
        }


class PageTally:
    """Counts over pages seen one at a time; the riskiest pages kept, not every page."""

    def __init__(self, interaction_pages: dict[str, list[float]]) -> None:
        self.total = self.html = self.documents = self.errors = self.browser_checked = 0
        self.failed: Counter[str] = Counter()
        self.scored = False  # whether any page has a stored risk
        self.top: list[tuple[float, int, str]] = []  # (-score, order, url), of stored risks
        self.interaction_pages = interaction_pages
        self.order: dict[str, int] = {}  # of the pages with scored interactions only

    def add(self, page: Page) -> None:
        n = self.total
        self.total += 1
        self.html += page.is_html
        self.documents += page.is_document and page.error is None
        self.browser_checked += page.browser_checked
        if page.error is not None:
            self.errors += 1
            self.failed[failure_reason(page.error)] += 1
        if page.url in self.interaction_pages:
            self.order.setdefault(page.url, n)
        if page.risk is not None:
            self.scored = True
            # later duplicates of a URL replace its score, as a dict keyed by URL would
            self.top = [t for t in self.top if t[2] != page.url]
            self.top.append((-float(page.risk.score), n, page.url))
            self.top = heapq.nsmallest(TOP_PAGES, self.top)

    def counts(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "html": self.html,
            "documents": self.documents,
            "errors": self.errors,
            # fetched, but neither a web page nor a known document: html + documents +
            # errors + other = total
            "other": self.total - self.html - self.documents - self.errors,
            "browser_checked": self.browser_checked,
            # why pages could not be fetched, most frequent first: "HTTP 404", "timeout"...
            "failed_by_reason": dict(self.failed.most_common()),
        }

    def ranked(self) -> list[tuple[str, float]]:
        """The riskiest pages, best first: by stored page risk if any page has one, else by
        the highest interaction risk on the page; ties in stored order."""
        if self.scored:
            return [(url, -score) for score, _, url in sorted(self.top)]
        pages = self.interaction_pages
        last = self.total
        best = heapq.nsmallest(
            TOP_PAGES, pages, key=lambda url: (-pages[url][0], self.order.get(url, last))
        )
        return [(url, pages[url][0]) for url in best]


class FindingTally:
    def __init__(self) -> None:
        self.total = self.errors = 0
        self.by_outcome: Counter[Outcome] = Counter()
        self.by_source: Counter[Source] = Counter()
        self.violations_by_source: Counter[Source] = Counter()
        self.impacts: dict[Outcome, Counter[Impact | None]] = {
            Outcome.VIOLATION: Counter(),
            Outcome.NEEDS_REVIEW: Counter(),
        }

    def add(self, finding: Finding) -> None:
        self.total += 1
        self.by_outcome[finding.outcome] += 1
        self.by_source[finding.source] += 1
        self.errors += finding.outcome is Outcome.ERROR
        if finding.outcome is Outcome.VIOLATION:
            self.violations_by_source[finding.source] += 1
        if finding.outcome in self.impacts:
            self.impacts[finding.outcome][finding.impact] += 1

    def counts(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_outcome": {o.value: self.by_outcome[o] for o in Outcome},
            "by_source": {s.value: self.by_source[s] for s in Source},
            # violations and needs-review are kept apart: only violations are failures
            "by_impact": _impacts(self.impacts[Outcome.VIOLATION]),
            "needs_review_by_impact": _impacts(self.impacts[Outcome.NEEDS_REVIEW]),
            "violations_by_source": {s.value: self.violations_by_source[s] for s in Source},
        }


def _impacts(counts: Counter[Impact | None]) -> dict[str, int]:
    ordered = sorted(Impact, key=lambda i: -IMPACT_ORDER[i])
    return {**{i.value: counts[i] for i in ordered}, "unrated": counts[None]}


def _risk(run: Run, pages: PageTally, interactions: InteractionTally) -> dict[str, Any]:
    total, count = interactions.scored
    if run.risk is not None:
        site = round(float(run.risk.score), 1)
    else:
        site = round(total / count, 1) if count else 0.0
    ranked = pages.ranked()
    per_page = interactions.per_page
    return {
        "site": site,
        "site_factors": [
            {"factor": f.factor, "weight": f.weight, "detail": f.detail}
            for f in sorted(run.risk.factors, key=lambda f: -f.weight)[:10]
        ]
        if run.risk is not None
        else [],
        "max_page": round(ranked[0][1], 1) if ranked else 0.0,
        "interactions_scored": sum(int(p[1]) for p in per_page.values()),
        "pages": [
            {
                "page": url,
                "score": round(score, 1),
                "interactions": int(per_page.get(url, (0, 0))[1]),
            }
            for url, score in ranked
        ],
    }
