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
    pages: Sequence[Page],
    interactions: Sequence[Interaction],
    findings: Sequence[Finding],
) -> dict[str, Any]:
    """The summary figures of a run (see the module docstring for the risk definitions)."""
    attached = attached_findings(interactions, findings)
    return {
        "pages": _page_counts(pages),
        "interactions": _interaction_counts(interactions),
        "two_way_share": _two_way_share(interactions),
        "four_cos_coverage": _four_cos_coverage(interactions),
        "participation": _participation(interactions),
        "blocked_two_way": _blocked_two_way(interactions, attached),
        "findings": _finding_counts(findings),
        "errors": sum(1 for p in pages if p.error is not None)
        + sum(1 for f in findings if f.outcome is Outcome.ERROR),
        "risk": _risk(run, pages, interactions),
    }


def _page_counts(pages: Sequence[Page]) -> dict[str, Any]:
    html = sum(1 for p in pages if p.is_html)
    documents = sum(1 for p in pages if p.is_document and p.error is None)
    errors = sum(1 for p in pages if p.error is not None)
    return {
        "total": len(pages),
        "html": html,
        "documents": documents,
        "errors": errors,
        # fetched, but neither a web page nor a known document: html + documents + errors +
        # other = total
        "other": len(pages) - html - documents - errors,
        "browser_checked": sum(1 for p in pages if p.browser_checked),
        # why pages could not be fetched, most frequent first: "HTTP 404", "timeout"...
        "failed_by_reason": dict(
            Counter(failure_reason(p.error) for p in pages if p.error is not None).most_common()
        ),
    }


def failure_reason(error: str) -> str:
    """A page's error in a few words, to count pages by: "too many redirects (more than
    10)" is "too many redirects", "refused: 10.0.0.5 is a private address" is "refused"."""
    return error.split(" (", 1)[0].split(": ", 1)[0].strip() or error


def _interaction_counts(interactions: Sequence[Interaction]) -> dict[str, Any]:
    by_class = Counter(i.interaction_class for i in interactions)
    by_mode = Counter(mode_of(i) for i in interactions)
    by_co = Counter(co for i in interactions for co in i.four_cos)
    # the same control repeated on many pages (a header search box, a cookie banner)
    # counts once here: what a site offers, not how often its template repeats it
    distinct = {(i.kind, i.target, i.label, i.interaction_class): i for i in interactions}
    distinct_modes = Counter(mode_of(i) for i in distinct.values())
    return {
        "total": len(interactions),
        "distinct": len(distinct),
        "distinct_by_mode": {m.value: distinct_modes[m] for m in Mode},
        # the two likeliest classes were close: a person should check the class
        "needs_review": sum(1 for i in interactions if i.needs_review),
        "unclassified": by_class[None],
        "by_class": {c.value: by_class[c] for c in InteractionClass},
        "by_mode": {m.value: by_mode[m] for m in Mode},
        "by_four_co": {co.value: by_co[co] for co in FourCo},
    }


def _two_way_share(interactions: Sequence[Interaction]) -> float | None:
    """Two-way interactions over every classified interaction that is not a utility."""
    counted = [
        i
        for i in interactions
        if i.interaction_class is not None and i.interaction_class is not InteractionClass.UTILITY
    ]
    if not counted:
        return None
    two_way = sum(1 for i in counted if mode_of(i) is Mode.TWO_WAY)
    return round(two_way / len(counted), 4)


def _four_cos_coverage(interactions: Sequence[Interaction]) -> dict[str, Any]:
    # Only two-way interactions count: a Co tag on a one-way item offers no online route.
    present = {co for i in interactions if mode_of(i) is Mode.TWO_WAY for co in i.four_cos}
    covered = [co.value for co in FourCo if co in present]
    return {
        "covered": covered,
        "missing": [co.value for co in FourCo if co not in present],
        "count": len(covered),
        "of": len(FourCo),
    }


def _participation(interactions: Sequence[Interaction]) -> dict[str, Any]:
    levels = Counter(i.participation for i in interactions)
    epi = Counter(UN_EPI_LEVEL[p] for i in interactions if (p := i.participation) is not None)
    return {
        "iap2": {p.value: levels[p] for p in Participation},
        "none": levels[None],
        "un_epi": {level: epi[level] for level in UN_EPI_LEVELS},
    }


def _blocked_two_way(
    interactions: Sequence[Interaction], attached: dict[str, list[Finding]]
) -> int:
    return sum(
        1
        for i in interactions
        if mode_of(i) is Mode.TWO_WAY
        and any(f.outcome is Outcome.VIOLATION for f in attached.get(i.id, ()))
    )


def _finding_counts(findings: Sequence[Finding]) -> dict[str, Any]:
    violations = [f for f in findings if f.outcome is Outcome.VIOLATION]
    review = [f for f in findings if f.outcome is Outcome.NEEDS_REVIEW]
    return {
        "total": len(findings),
        "by_outcome": _count_enum(Outcome, (f.outcome for f in findings)),
        "by_source": _count_enum(Source, (f.source for f in findings)),
        # violations and needs-review are kept apart: only violations are failures
        "by_impact": _count_impacts(violations),
        "needs_review_by_impact": _count_impacts(review),
        "violations_by_source": _count_enum(Source, (f.source for f in violations)),
    }


def _count_impacts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = Counter(f.impact for f in findings)
    ordered = sorted(Impact, key=lambda i: -IMPACT_ORDER[i])
    return {**{i.value: counts[i] for i in ordered}, "unrated": counts[None]}


def _count_enum(enum_type: Any, values: Iterable[Any]) -> dict[str, int]:
    counts = Counter(values)
    return {member.value: counts[member] for member in enum_type}


def _risk(run: Run, pages: Sequence[Page], interactions: Sequence[Interaction]) -> dict[str, Any]:
    page_scores: dict[str, float] = {}
    page_counts: Counter[str] = Counter()
    scored: list[float] = []
    for interaction in interactions:
        if interaction.risk is None:
            continue
        score = float(interaction.risk.score)
        page_counts[interaction.page] += 1
        page_scores[interaction.page] = max(page_scores.get(interaction.page, 0.0), score)
        if interaction.interaction_class is not InteractionClass.UTILITY:
            scored.append(score)
    if any(p.risk is not None for p in pages):
        page_scores = {p.url: float(p.risk.score) for p in pages if p.risk is not None}
    if run.risk is not None:
        site = round(float(run.risk.score), 1)
    else:
        site = round(sum(scored) / len(scored), 1) if scored else 0.0
    order = {p.url: n for n, p in enumerate(pages)}
    ranked = sorted(page_scores, key=lambda url: (-page_scores[url], order.get(url, len(order))))
    return {
        "site": site,
        "site_factors": [
            {"factor": f.factor, "weight": f.weight, "detail": f.detail}
            for f in sorted(run.risk.factors, key=lambda f: -f.weight)[:10]
        ]
        if run.risk is not None
        else [],
        "max_page": round(page_scores[ranked[0]], 1) if ranked else 0.0,
        "interactions_scored": sum(page_counts.values()),
        "pages": [
            {"page": url, "score": round(page_scores[url], 1), "interactions": page_counts[url]}
            for url in ranked[:TOP_PAGES]
        ],
    }
