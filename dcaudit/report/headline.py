"""The headline figures: each card states one number and parts that add up to it.

The first figure is the barrier share ("18 of 23 two-way interactions have barriers"): what a
service manager acts on. Site risk is detail, with a sentence saying what its scale means.
Counts of different things (all interactions, distinct ones) never share a card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dcaudit.models import FourCo

IMPACTS = ("critical", "serious", "moderate", "minor", "unrated")
RISK_MEANING = (
    "It runs from 0 (no barrier found) to 100 (every page full of severe barriers) and is "
    "the average page's weighted barriers, so a few blocked services on a large site barely "
    "move it: read it beside the barrier share."
)
CO_NAME: dict[FourCo, str] = {
    FourCo.CO_COMMISSIONING: "Co-commissioning",
    FourCo.CO_DESIGN: "Co-design",
    FourCo.CO_DELIVERY: "Co-delivery",
    FourCo.CO_ASSESSMENT: "Co-assessment",
}


@dataclass(frozen=True)
class Card:
    label: str
    figure: str  # as shown: "137", "56%", "4 of 4"
    total: int  # what the parts add up to
    parts: tuple[tuple[int, str], ...] = ()  # (count, what), zero counts left out
    note: str = ""  # a sentence under the parts
    warn: bool = False
    key: str = ""

    @property
    def parts_total(self) -> int:
        return sum(count for count, _ in self.parts)


@dataclass(frozen=True)
class Headline:
    two_way: int
    blocked: int
    barrier_note: str
    risk: float  # site risk, 0-100: detail under the barrier share
    risk_note: str
    cards: tuple[Card, ...] = field(default_factory=tuple)
    failures: str = ""  # why pages could not be fetched: "3 HTTP 404, 1 timeout"


def _parts(*pairs: tuple[int, str]) -> tuple[tuple[int, str], ...]:
    return tuple((count, what) for count, what in pairs if count)


def _plural(count: int, one: str, many: str | None = None) -> str:
    return one if count == 1 else (many or one + "s")


def headline(summary: dict[str, Any]) -> Headline:
    interactions = summary["interactions"]
    two_way = interactions["by_mode"]["two_way"]
    blocked = summary["blocked_two_way"]
    if two_way:
        note = (
            f"{blocked} of the {two_way} ways to take part online (applying, reporting, "
            "commenting, deciding together) have an accessibility or exclusion barrier that "
            "can stop someone using them."
        )
    else:
        note = "The site offers no two-way interaction, so nothing online lets people take part."
    cards = (
        _pages(summary),
        _interactions(interactions),
        _distinct(interactions),
        _two_way_share(summary),
        _four_cos(summary),
        _violations(summary),
        _reviews(summary),
        _class_checks(interactions),
        _errors(summary),
    )
    risk = summary["risk"]
    risk_note = f"{RISK_MEANING} The riskiest page scores {risk['max_page']:g}."
    failures = failures_text(summary["pages"])
    return Headline(two_way, blocked, note, risk["site"], risk_note, cards, failures)


def failures_text(pages: dict[str, Any]) -> str:
    """How many pages could not be fetched for each reason: "3 HTTP 404, 1 timeout"."""
    return ", ".join(f"{n:,} {why}" for why, n in pages.get("failed_by_reason", {}).items())


def _pages(summary: dict[str, Any]) -> Card:
    pages = summary["pages"]
    return Card(
        "Pages audited",
        f"{pages['total']:,}",
        pages["total"],
        _parts(
            (pages["html"], _plural(pages["html"], "web page")),
            (pages["documents"], _plural(pages["documents"], "document")),
            (pages["errors"], "could not be fetched"),
            (pages.get("other", 0), "other files"),
        ),
        note=f"Not fetched: {failures_text(pages)}." if pages["errors"] else "",
        warn=bool(pages["errors"]),
        key="pages",
    )


def _by_mode(counts: dict[str, int], total: int) -> tuple[tuple[int, str], ...]:
    unclassified = total - sum(counts.values())
    return _parts(
        (counts["two_way"], "two-way"),
        (counts["one_way"], "one-way"),
        (counts["none"], _plural(counts["none"], "navigation aid")),
        (unclassified, "unclassified"),
    )


def _interactions(interactions: dict[str, Any]) -> Card:
    total = interactions["total"]
    return Card(
        "Interactions found",
        f"{total:,}",
        total,
        _by_mode(interactions["by_mode"], total),
        note="Every form, embed, contact route, document and service link, on every page.",
        key="interactions",
    )


def _distinct(interactions: dict[str, Any]) -> Card:
    distinct = interactions["distinct"]
    by_mode = interactions.get("distinct_by_mode") or {"two_way": 0, "one_way": 0, "none": 0}
    return Card(
        "Distinct interactions",
        f"{distinct:,}",
        distinct,
        _by_mode(by_mode, distinct),
        note="The same control repeated across pages (a search box, a banner) counted once.",
        key="distinct",
    )


def _two_way_share(summary: dict[str, Any]) -> Card:
    by_mode = summary["interactions"]["by_mode"]
    counted = by_mode["two_way"] + by_mode["one_way"]
    share = summary["two_way_share"]
    return Card(
        "Two-way share",
        "n/a" if share is None else f"{share * 100:.0f}%",
        counted,
        _parts((by_mode["two_way"], "two-way"), (by_mode["one_way"], "one-way")),
        note="Of the interactions that are not navigation aids: how many let people take "
        "part online.",
        key="two_way_share",
    )


def _four_cos(summary: dict[str, Any]) -> Card:
    coverage = summary["four_cos_coverage"]
    covered = [CO_NAME[FourCo(c)] for c in coverage["covered"]]
    missing = [CO_NAME[FourCo(c)] for c in coverage["missing"]]
    return Card(
        "Four Co's covered",
        f"{coverage['count']} of {coverage['of']}",
        coverage["of"],
        _parts((len(covered), "covered"), (len(missing), "missing")),
        note=f"Missing: {', '.join(missing)}." if missing else "Each has an online route.",
        key="four_cos",
    )


def _violations(summary: dict[str, Any]) -> Card:
    by_impact = summary["findings"]["by_impact"]
    return _by_impact(
        "Violations",
        summary["findings"]["by_outcome"]["violation"],
        by_impact,
        warn=bool(by_impact["critical"] + by_impact["serious"]),
        key="violations",
    )


def _reviews(summary: dict[str, Any]) -> Card:
    return _by_impact(
        "Findings to review",
        summary["findings"]["by_outcome"]["needs_review"],
        summary["findings"]["needs_review_by_impact"],
        note="Checks that could not decide; a person has to look. Not failures.",
        key="reviews",
    )


def _by_impact(label: str, total: int, by_impact: dict[str, int], **extra: Any) -> Card:
    parts = _parts(*((by_impact[impact], impact) for impact in IMPACTS))
    return Card(label, f"{total:,}", total, parts, **extra)


def _class_checks(interactions: dict[str, Any]) -> Card:
    count = interactions.get("needs_review", 0)
    return Card(
        "Classes to check",
        f"{count:,}",
        count,
        note=f"{count} {_plural(count, 'interaction')} {_plural(count, 'needs', 'need')} a "
        f"person to check {_plural(count, 'its', 'their')} class: the two likeliest classes "
        "were close.",
        key="class_checks",
    )


def _errors(summary: dict[str, Any]) -> Card:
    pages = summary["pages"]["errors"]
    checks = summary["findings"]["by_outcome"]["error"]
    return Card(
        "Errors",
        f"{summary['errors']:,}",
        summary["errors"],
        _parts(
            (pages, f"{_plural(pages, 'page')} not fetched"),
            (checks, f"{_plural(checks, 'check')} that could not run"),
        ),
        note="" if summary["errors"] else "Every page was fetched and every check ran.",
        warn=bool(summary["errors"]),
        key="errors",
    )
