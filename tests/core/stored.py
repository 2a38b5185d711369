"""What a run left in its store, in a form two runs can be compared by."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from dcaudit.store import Store


def state(out: Path) -> dict[str, Any]:
    """What a run left in its store, to compare: everything keyed by identity, counted."""
    with Store(out / "dcaudit.sqlite", create=False) as store:
        (run,) = store.list_runs()
        pages = list(store.pages(run.id))
        page_rows = Counter(
            (p.url, p.status, p.error, p.is_document, p.browser_checked, p.title, p.template)
            for p in pages
        )
        risks = {p.url: p.risk and p.risk.score for p in pages}
        interactions = Counter(
            (i.id, i.page, i.kind, i.interaction_class, i.risk and i.risk.score)
            for i in store.interactions(run.id)
        )
        findings = Counter(
            (f.id, f.fingerprint, f.rule, f.page, f.outcome, f.impact)
            for f in store.findings(run.id)
        )
        skips = Counter((s.url, s.reason) for s in store.skips(run.id))
        frontier = Counter(store.frontier_urls(run.id))
    return {
        "status": run.status,
        "interrupted": [n for n in run.notes if "interrupted" in n],
        "stats": (run.stats.pages_fetched, run.stats.errors, run.stats.browser_checked),
        "site risk": run.risk and run.risk.score,
        "pages": page_rows,
        "page risks": risks,
        "interactions": interactions,
        "findings": findings,
        "skips": skips,
        "frontier": frontier,
        "axe": bool(run.tool.get("axe_core")),
        "axe rules": sorted(run.tool.get("axe_rules") or {}),  # how reports describe them
    }
