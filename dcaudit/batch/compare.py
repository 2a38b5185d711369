"""The comparison of a batch as plain data: the JSON contract (``dcaudit/comparison/v1``)
that the HTML and CSV renderers draw from.

The league table ranks bodies by two-way share. Its uncertainty comes from the pages each
body's share rests on: each of ``RESAMPLES`` bootstrap rounds redraws every body's pages
with replacement (seeded, so a report is the same when rendered again), recomputes every
share and ranks the bodies; a body's rank interval is the middle 95% of its ranks.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from pathlib import Path
from statistics import mean
from typing import Any

from dcaudit.batch.figures import BodyFigures, measure, ranks_of
from dcaudit.batch.ledger import UNREACHABLE, Batch, Ledger
from dcaudit.batch.trends import trends
from dcaudit.errors import StoreError
from dcaudit.models import Run
from dcaudit.report.meta import tool_info
from dcaudit.store import Store

SCHEMA_ID = "dcaudit/comparison/v1"
RESAMPLES = 200
SEED = 12  # fixed: the same batch gives the same intervals every time it is rendered
INTERVAL = 0.95
# the per-site settings every body of a batch got, shown in the method section
LIMITS = (
    "max_pages",
    "max_depth",
    "browser",
    "browser_max_pages",
    "sample_per_template",
    "respect_robots",
    "concurrency",
    "delay",
    "axe_tags",
    "required_languages",
)


def find_batch(ledger: Ledger, batch_id: str) -> Batch:
    if batch_id != "latest":
        return ledger.get(batch_id)
    batches = ledger.all()
    if not batches:
        raise StoreError("no batches in this store: run dcaudit batch BODIES.csv first")
    return batches[-1]


def comparison(store_path: Path, batch_id: str = "latest") -> dict[str, Any]:
    """The whole comparison of a stored batch, with each body's trend over earlier batches."""
    with Store(store_path, create=False) as store, Ledger(store_path) as ledger:
        batch = find_batch(ledger, batch_id)
        bodies = [measure(store, entry) for entry in batch.bodies]
        league = league_table(bodies)
        return {
            "schema": SCHEMA_ID,
            "batch": batch_dict(batch),
            "league": league,
            "groups": groupings(batch.columns, league),
            "method": method(batch, bodies),
            "trends": trends(store, ledger, batch),
        }


def batch_dict(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "started": batch.started,
        "finished": batch.finished,
        "status": batch.status,
        "source": batch.source,
        "columns": list(batch.columns),
        "bodies": len(batch.bodies),
    }


def bootstrap(
    bodies: Sequence[BodyFigures], resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, tuple[int, int, float, float]]:
    """Name -> (rank low, rank high, share low, share high), the middle INTERVAL of
    ``resamples`` rounds that redraw each body's pages with replacement."""
    rng = random.Random(seed)
    ranks: dict[str, list[int]] = {b.name: [] for b in bodies}
    shares: dict[str, list[float]] = {b.name: [] for b in bodies}
    for _ in range(resamples):
        drawn: dict[str, float] = {}
        for body in bodies:
            pages = rng.choices(body.per_page, k=len(body.per_page)) if body.per_page else []
            counted = sum(c for _, c in pages)
            drawn[body.name] = sum(t for t, _ in pages) / counted if counted else 0.0
        for name, rank in ranks_of(drawn).items():
            ranks[name].append(rank)
            shares[name].append(drawn[name])
    return {name: (*_interval(ranks[name]), *_interval(shares[name])) for name in ranks}


def _interval(values: list[Any]) -> tuple[Any, Any]:
    ordered = sorted(values)
    tail = (1 - INTERVAL) / 2
    last = len(ordered) - 1
    return ordered[int(tail * last)], ordered[math.ceil((1 - tail) * last)]


def league_table(bodies: Sequence[BodyFigures]) -> list[dict[str, Any]]:
    """Measured bodies by two-way share, best first, then the others with why."""
    measured = [b for b in bodies if b.measured]
    ranks = ranks_of({b.name: b.rank_share for b in measured})
    intervals = bootstrap(measured) if measured else {}
    measured.sort(key=lambda b: (ranks[b.name], b.name))
    rows = [body_row(b, ranks[b.name], intervals[b.name]) for b in measured]
    return rows + [body_row(b, None, None) for b in bodies if not b.measured]


def unranked_reason(figures: BodyFigures) -> str:
    if figures.status == UNREACHABLE:
        return f"unreachable: {figures.detail}" if figures.detail else "unreachable"
    if figures.run_id is None:
        return f"not audited ({figures.status})"
    if figures.robots_blocked and not figures.pages_reached:
        return "robots.txt disallows every page: nothing crawled"
    if figures.detail:
        return f"{figures.status}: {figures.detail}"
    return "no page could be fetched"


def body_row(
    b: BodyFigures, rank: int | None, interval: tuple[int, int, float, float] | None
) -> dict[str, Any]:
    return {
        "name": b.name,
        "url": b.url,
        "groups": b.groups,
        "status": b.status,
        "ranked": rank is not None,
        "rank": rank,
        "rank_interval": list(interval[:2]) if interval else None,
        "two_way_share_interval": [round(x, 4) for x in interval[2:]] if interval else None,
        "note": None if rank is not None else unranked_reason(b),
        "run_id": b.run_id,
        "started": b.started,
        "finished": b.finished,
        "run_status": b.run_status,
        "coverage": {
            "pages_reached": b.pages_reached,
            "html_pages": b.html_pages,
            "robots_blocked": b.robots_blocked,
            "failed": b.failed,
            "browser_checked": b.browser_checked,
        },
        "counts": {
            "interactions": b.interactions,
            "counted": b.counted,
            "two_way": b.two_way,
            "digital_layer": b.digital_layer,
            "closes_loop": b.closes_loop,
            "needs_review": b.needs_review,
            "exclusion_barriers": b.exclusion_barriers,
            "two_way_barriers": b.two_way_barriers,
            "accessibility_violations": b.a11y_violations,
            "target_size": b.target_size,
        },
        "figures": b.figures(),
        "four_cos": b.four_cos,
        "iap2": b.iap2,
    }


def groupings(columns: Sequence[str], league: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Column -> one row per value: bodies, how many were measured, mean shares."""
    result: dict[str, Any] = {}
    for column in columns:
        values: dict[str, list[dict[str, Any]]] = {}
        for row in league:
            values.setdefault(row["groups"].get(column, ""), []).append(row)
        result[column] = [_group_row(value, rows) for value, rows in sorted(values.items())]
    return result


def _group_row(value: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    ranked = [r for r in rows if r["ranked"]]

    def avg(key: str) -> float | None:
        found = [r["figures"][key] for r in ranked if r["figures"][key] is not None]
        return round(mean(found), 4) if found else None

    return {
        "value": value,
        "bodies": len(rows),
        "ranked": len(ranked),
        "names": [r["name"] for r in rows],
        "mean_two_way_share": avg("two_way_share"),
        "mean_digital_layer_share": avg("digital_layer_share"),
        "mean_barriers_per_100_pages": avg("barriers_per_100_pages"),
        "mean_a11y_per_page": avg("a11y_per_page"),
        "pages_reached": sum(r["coverage"]["pages_reached"] for r in rows),
        "not_ranked": len(rows) - len(ranked),
    }


DEFINITIONS = (
    (
        "Two-way share",
        "two-way interactions (transactional, consultative, collaborative) over "
        "classified interactions that are not navigation aids",
    ),
    (
        "Rank interval",
        f"the middle {INTERVAL:.0%} of each body's rank over {RESAMPLES} bootstrap "
        f"rounds that redraw its pages with replacement (seed {SEED})",
    ),
    (
        "Digital-layer share",
        "interactions that only put a digital front on a paper, email or "
        "phone process, over the same denominator",
    ),
    ("Four Co's", "two-way interactions carrying each Co (an interaction may carry several)"),
    (
        "Closes the loop",
        "two-way interactions that visibly close the loop (a reference, status "
        "tracking or a published response), over two-way interactions",
    ),
    (
        "Exclusion barriers",
        "exclusion-factor violations per 100 pages reached; and those on "
        "two-way interactions per two-way interaction",
    ),
    (
        "Accessibility per page",
        "axe-core and static-check violations per HTML page reached, "
        "with and without axe-core's target-size rule",
    ),
    ("Needs review", "interactions whose two likeliest classes were close, over all interactions"),
)


def method(batch: Batch, bodies: Sequence[BodyFigures]) -> dict[str, Any]:
    """What every body got, which versions judged them, sample sizes and dates."""
    measured = [b for b in bodies if b.run_id is not None]
    packs: dict[str, set[str]] = {}
    for body in measured:
        for pack in tool_info(_run_tool(body))["rule_packs"]:
            packs.setdefault(pack["name"], set()).add(pack["version"] or "unknown")
    started = [b.started for b in measured if b.started]
    finished = [b.finished for b in measured if b.finished]
    return {
        "limits": {key: batch.settings.get(key) for key in LIMITS if key in batch.settings},
        "rule_packs": {name: sorted(versions) for name, versions in sorted(packs.items())},
        "scoring_method": sorted(
            {str(b.tool.get("scoring_method")) for b in measured if b.tool.get("scoring_method")}
        ),
        "dcaudit": sorted({str(b.tool.get("version")) for b in measured if b.tool.get("version")}),
        "axe_core": sorted({str(b.tool["axe_core"]) for b in measured if b.tool.get("axe_core")}),
        "bootstrap": {"resamples": RESAMPLES, "seed": SEED, "interval": INTERVAL},
        "definitions": [{"name": n, "definition": d} for n, d in DEFINITIONS],
        "samples": [
            {
                "name": b.name,
                "pages_reached": b.pages_reached,
                "browser_checked": b.browser_checked,
                "interactions": b.interactions,
                "started": b.started,
                "finished": b.finished,
                "notes": [n for n in b.notes if _disclosure(n)],
            }
            for b in bodies
        ],
        "first_started": min(started) if started else None,
        "last_finished": max(finished) if finished else None,
    }


def _run_tool(body: BodyFigures) -> Run:
    return Run(
        id=body.run_id or "",
        started=body.started or "",
        seeds=(body.url,),
        settings={},
        tool=body.tool,
    )


def _disclosure(note: str) -> bool:
    """Notes that change what a body's figures rest on: limits, sampling, browser pass."""
    return note.startswith(
        ("page limit", "browser", "template sampling", "robots.txt", "interrupted")
    )
