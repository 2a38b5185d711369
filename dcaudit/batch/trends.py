"""Each body over time: its figures in every batch of the store, oldest first.

A body is the same body in another batch when it has the same name. Only batches started
no later than the one compared count, so a re-rendered old comparison shows its own past.
Each point holds the body's rank in that batch by two-way share (1 is the highest).
"""

from __future__ import annotations

from typing import Any

from dcaudit.batch.figures import BodyFigures, measure, ranks_of
from dcaudit.batch.ledger import Batch, Ledger
from dcaudit.store import Store

TREND_FIGURES = (
    "two_way_share",
    "digital_layer_share",
    "closes_loop_share",
    "barriers_per_100_pages",
    "a11y_per_page",
)


def point_ranks(bodies: list[BodyFigures]) -> dict[str, int]:
    """Rank by two-way share among the measured bodies; equal shares share a rank."""
    return ranks_of({b.name: b.rank_share for b in bodies if b.measured})


def trends(store: Store, ledger: Ledger, batch: Batch) -> list[dict[str, Any]]:
    """One entry per body of ``batch``: its points in every batch up to this one."""
    names = [entry.body.name for entry in batch.bodies]
    points: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for earlier in ledger.all():
        if earlier.started > batch.started:
            continue
        measured = [measure(store, e) for e in earlier.bodies if e.body.name in points]
        ranks = point_ranks(measured)
        for body in measured:
            points[body.name].append(_point(earlier, body, ranks.get(body.name), len(ranks)))
    return [{"name": name, "points": points[name]} for name in names]


def _point(batch: Batch, body: BodyFigures, rank: int | None, of: int) -> dict[str, Any]:
    figures = body.figures()
    return {
        "batch": batch.id,
        "date": body.started or batch.started,
        "status": body.status,
        "measured": body.measured,
        "rank": rank,
        "of": of,
        "pages_reached": body.pages_reached,
        **{key: figures[key] for key in TREND_FIGURES},
    }


def trends_only(store_path: Any, batch: Batch) -> list[dict[str, Any]]:
    with Store(store_path, create=False) as store, Ledger(store_path) as ledger:
        return trends(store, ledger, batch)
