"""Risk scores for interactions, pages and the site: transparent weighted sums of findings.

Every score is ``min(100, sum of factor weights)`` and lists the factors that made it,
one :class:`RiskFactor` per contributing finding (or per rule, for the site). A factor's
weight is::

    impact points (by outcome and impact) x source multiplier x rule multiplier
        x class multiplier (of the interaction it blocks) x repeat decay

so a serious barrier on an application form weighs more than the same barrier on a news
page. The numbers and the method text live in rules/scoring/weights.yaml; ``method_text``
renders them for the report.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dcaudit.chunks import StoredRows, batched, by_page, reads_by_page, stored_rows
from dcaudit.engine.packs import RulePack
from dcaudit.errors import RulePackError
from dcaudit.models import (
    Finding,
    Impact,
    Interaction,
    InteractionClass,
    Outcome,
    Risk,
    RiskFactor,
)
from dcaudit.store import Store

PACK_KIND = "scoring"
MAX_SCORE = 100.0
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True)
class Weights:
    points: Mapping[Outcome, Mapping[Impact, float]]
    source: Mapping[str, float]
    rules: Mapping[str, float]
    class_multiplier: Mapping[str, float]
    repeat_decay: float
    page_wide: frozenset[str]
    method: str
    version: str

    def class_factor(self, interaction: Interaction | None) -> float:
        if interaction is None:
            return self.class_multiplier.get(InteractionClass.INFORMATION.value, 1.0)
        key = interaction.interaction_class.value if interaction.interaction_class else UNCLASSIFIED
        return self.class_multiplier.get(key, 1.0)

    def base(self, finding: Finding) -> float:
        """The finding's weight before the class multiplier and repeat decay."""
        if finding.outcome not in self.points or finding.impact is None:
            return 0.0
        impact_points = self.points[finding.outcome].get(finding.impact, 0.0)
        return (
            impact_points
            * self.source.get(finding.source.value, 1.0)
            * self.rules.get(finding.rule, 1.0)
        )


def load_weights(packs: Sequence[RulePack]) -> Weights:
    """Weights from the scoring pack; page-wide rules from every pack's ``scope: page``."""
    chosen = [pack for pack in packs if pack.kind == PACK_KIND]
    if not chosen:
        raise RulePackError("rules", "no scoring pack loaded (rules/scoring is missing)")
    pack = chosen[-1]  # a user's scoring pack loaded after the built-in one replaces it
    data = next(
        (d["scoring"] for d in pack.data.values() if isinstance(d, dict) and "scoring" in d), None
    )
    if not isinstance(data, dict):
        raise RulePackError(
            pack.path, "the scoring pack needs a data file with a 'scoring' mapping"
        )
    try:
        points = {
            Outcome(outcome): {Impact(impact): float(value) for impact, value in table.items()}
            for outcome, table in data["points"].items()
        }
        page_wide = {str(r) for r in data.get("page_wide_rules", []) or []}
        for other in packs:
            page_wide.update(
                rule.id for rule in other.rules if rule.raw.get("scope") in {"page", "site"}
            )
        weights = Weights(
            points=points,
            source={str(k): float(v) for k, v in (data.get("source") or {}).items()},
            rules={str(k): float(v) for k, v in (data.get("rules") or {}).items()},
            class_multiplier={str(k): float(v) for k, v in data["class_multiplier"].items()},
            repeat_decay=float(data.get("repeat_decay", 0.5)),
            page_wide=frozenset(page_wide),
            method=str(data.get("method", "")).strip(),
            version=f"{pack.name}@{pack.version}",
        )
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise RulePackError(pack.path, f"scoring weights are malformed: {exc}") from exc
    if not 0 < weights.repeat_decay <= 1:
        raise RulePackError(pack.path, "repeat_decay must be in (0, 1]")
    return weights


def _factor(finding: Finding, weight: float, multiplier_note: str) -> RiskFactor:
    impact = finding.impact.value if finding.impact else "none"
    where = f" at {finding.selector}" if finding.selector else ""
    detail = f"{finding.outcome.value}, {impact}{where}{multiplier_note}"
    return RiskFactor(factor=finding.rule, weight=round(weight, 2), detail=detail)


def _risk(factors: list[RiskFactor]) -> Risk:
    factors.sort(key=lambda f: (-f.weight, f.factor))
    return Risk(
        score=round(min(MAX_SCORE, sum(f.weight for f in factors)), 1), factors=tuple(factors)
    )


def _weighted(findings: Iterable[tuple[Finding, float, str]], weights: Weights) -> list[RiskFactor]:
    """Apply the repeat decay per rule: the n-th finding of a rule counts decay**(n-1)."""
    seen: dict[str, int] = defaultdict(int)
    factors = []
    for finding, multiplier, note in sorted(findings, key=lambda item: -weights.base(item[0])):
        base = weights.base(finding)
        if base <= 0:
            continue
        repeat = seen[finding.rule]
        seen[finding.rule] += 1
        decay = weights.repeat_decay**repeat
        suffix = note + (f"; repeat x{decay:g}" if repeat else "")
        factors.append(_factor(finding, base * multiplier * decay, suffix))
    return factors


def score_interactions(
    interactions: Sequence[Interaction], findings: Sequence[Finding], weights: Weights
) -> list[Interaction]:
    """Each interaction with ``risk`` and ``finding_ids``: findings inside its element plus
    page-wide findings of its page (no lang, zoom disabled, HTTP...), weighted by its class."""
    by_interaction: dict[str, list[Finding]] = defaultdict(list)
    page_wide: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.interaction is not None:
            by_interaction[finding.interaction].append(finding)
        elif finding.rule in weights.page_wide:
            page_wide[finding.page].append(finding)
    scored = []
    for interaction in interactions:
        relevant = by_interaction.get(interaction.id, []) + page_wide.get(interaction.page, [])
        multiplier = weights.class_factor(interaction)
        note = f"; x{multiplier:g} for {_class_name(interaction)}"
        factors = _weighted(((f, multiplier, note) for f in relevant), weights)
        scored.append(
            dataclasses.replace(
                interaction,
                risk=_risk(factors),
                finding_ids=tuple(dict.fromkeys(f.id for f in relevant)),
            )
        )
    return scored


def _class_name(interaction: Interaction | None) -> str:
    if interaction is None or interaction.interaction_class is None:
        return "page content" if interaction is None else UNCLASSIFIED
    return interaction.interaction_class.value


def score_pages(
    findings: Sequence[Finding],
    interactions: Sequence[Interaction],
    weights: Weights,
    pages: Iterable[str] = (),
) -> dict[str, Risk]:
    """Risk per page URL. A finding inside an interaction takes that interaction's class
    multiplier; a page-wide finding takes the highest multiplier among the page's
    interactions (it blocks all of them); other findings count as page content."""
    by_id = {i.id: i for i in interactions}
    highest: dict[str, Interaction] = {}
    for interaction in interactions:
        current = highest.get(interaction.page)
        if current is None or weights.class_factor(interaction) > weights.class_factor(current):
            highest[interaction.page] = interaction
    grouped: dict[str, list[tuple[Finding, float, str]]] = defaultdict(list)
    for finding in findings:
        owner = by_id.get(finding.interaction or "")
        if owner is None and finding.rule in weights.page_wide:
            owner = highest.get(finding.page)
        multiplier = weights.class_factor(owner)
        grouped[finding.page].append(
            (finding, multiplier, f"; x{multiplier:g} for {_class_name(owner)}")
        )
    risks = {url: Risk(score=0.0) for url in pages}
    for url, items in grouped.items():
        risks[url] = _risk(_weighted(items, weights))
    return risks


def score_site(
    page_risks: Mapping[str, Risk], site_findings: Sequence[Finding], weights: Weights
) -> Risk:
    """The site's risk: the average page's risk (factors summed per rule over all pages and
    divided by the number of pages) plus site-level findings at full weight, capped at 100."""
    tally = SiteTally()
    for risk in page_risks.values():
        tally.add(risk)
    return tally.risk(site_findings, weights)


class SiteTally:
    """What the site's risk needs from the pages' risks, added one page at a time."""

    def __init__(self) -> None:
        self.count = 0
        self.per_rule: dict[str, float] = defaultdict(float)
        self.pages_with: dict[str, int] = defaultdict(int)

    def add(self, risk: Risk) -> None:
        self.count += 1
        rules_here = set()
        for factor in risk.factors:
            self.per_rule[factor.factor] += factor.weight
            rules_here.add(factor.factor)
        for rule in rules_here:
            self.pages_with[rule] += 1

    def risk(self, site_findings: Sequence[Finding], weights: Weights) -> Risk:
        count = max(1, self.count)
        factors = [
            RiskFactor(
                factor=rule,
                weight=round(total / count, 2),
                detail=f"on {self.pages_with[rule]} of {count} pages",
            )
            for rule, total in self.per_rule.items()
            if total / count >= 0.01
        ]
        factors.extend(_weighted(((f, 1.0, "; site level") for f in site_findings), weights))
        return _risk(factors)


def score_run(
    store: Store, run_id: str, weights: Weights, site_findings: Sequence[Finding]
) -> Risk:
    """Score a stored run: each interaction and page stored with its risk; returns the
    site's. Read a chunk of interactions, then of pages, at a time with the findings of
    their pages (site-level findings count only for the site), never the whole run."""
    site_ids = {f.id for f in site_findings}
    if not reads_by_page(store, run_id):
        return _score_whole(store, run_id, weights, site_findings)
    findings: StoredRows[Finding] = stored_rows(store, run_id, "findings")
    interactions: StoredRows[Interaction] = stored_rows(store, run_id, "interactions")
    for chunk in batched(interactions, interactions.chunk):
        own = findings.of_pages(list(dict.fromkeys(i.page for i in chunk)))
        scored = score_interactions(chunk, [f for f in own if f.id not in site_ids], weights)
        store.update_interactions(run_id, scored)
    tally = SiteTally()
    pages = stored_rows(store, run_id, "pages")
    for chunk_pages, chunk_interactions, chunk_findings in by_page(
        pages, stored_rows(store, run_id, "interactions"), findings
    ):
        own = [f for f in chunk_findings if f.id not in site_ids]
        risks = score_pages(own, chunk_interactions, weights, [p.url for p in chunk_pages])
        for page in chunk_pages:
            store.update_page(run_id, dataclasses.replace(page, risk=risks.get(page.url)))
        for risk in risks.values():
            tally.add(risk)
    return tally.risk(site_findings, weights)


def _score_whole(
    store: Store, run_id: str, weights: Weights, site_findings: Sequence[Finding]
) -> Risk:
    """:func:`score_run` with every record in memory, for a run whose findings link across
    pages (dcaudit's checks never write one)."""
    interactions = list(store.interactions(run_id))
    site_ids = {f.id for f in site_findings}
    findings = [f for f in store.findings(run_id) if f.id not in site_ids]
    store.put_interactions(run_id, score_interactions(interactions, findings, weights))
    pages = list(store.pages(run_id))
    page_risks = score_pages(findings, interactions, weights, [p.url for p in pages])
    for page in pages:
        store.update_page(run_id, dataclasses.replace(page, risk=page_risks.get(page.url)))
    return score_site(page_risks, site_findings, weights)


def method_text(weights: Weights) -> str:
    """The scoring method in words, with the weights in force, for the report."""
    lines = [weights.method, "", f"Weights ({weights.version}):"]
    for outcome, table in weights.points.items():
        row = ", ".join(f"{impact.value} {points:g}" for impact, points in table.items())
        lines.append(f"- {outcome.value} points: {row}")
    classes = ", ".join(f"{name} x{value:g}" for name, value in weights.class_multiplier.items())
    lines.append(f"- class multipliers: {classes}")
    if weights.source:
        lines.append(
            "- source multipliers: " + ", ".join(f"{k} x{v:g}" for k, v in weights.source.items())
        )
    if weights.rules:
        lines.append(
            "- rule multipliers: " + ", ".join(f"{k} x{v:g}" for k, v in weights.rules.items())
        )
    lines.append(f"- repeat decay: x{weights.repeat_decay:g} for each further finding of one rule")
    return "\n".join(lines).strip()


def weights_summary(weights: Weights) -> dict[str, Any]:
    """The weights as plain data (for the JSON report's method section)."""
    return {
        "version": weights.version,
        "points": {o.value: {i.value: p for i, p in t.items()} for o, t in weights.points.items()},
        "class_multiplier": dict(weights.class_multiplier),
        "source": dict(weights.source),
        "rules": dict(weights.rules),
        "repeat_decay": weights.repeat_decay,
    }
