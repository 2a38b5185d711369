"""Everything a renderer needs from one stored run, loaded once.

Renderers take a :class:`ReportData` and nothing else, so any stored run can be rendered
again later in any format (``dcaudit report RUN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dcaudit.models import Finding, Interaction, Page, Run
from dcaudit.store import Skip, Store
from dcaudit.summary import summarise


@dataclass(frozen=True)
class ReportData:
    run: Run
    pages: list[Page]
    interactions: list[Interaction]
    findings: list[Finding]
    summary: dict[str, Any]
    skips: list[Skip]


def build_report_data(
    run: Run,
    pages: list[Page],
    interactions: list[Interaction],
    findings: list[Finding],
    skips: list[Skip] | None = None,
) -> ReportData:
    """ReportData from records in memory (the pipeline's or a test's)."""
    return ReportData(
        run=run,
        pages=pages,
        interactions=interactions,
        findings=findings,
        summary=summarise(run, pages, interactions, findings),
        skips=list(skips or ()),
    )


def load_report_data(store: Store, run_id: str) -> ReportData:
    """Load a stored run; an unknown run id raises StoreError naming the latest runs."""
    run = store.get_run(run_id)
    return build_report_data(
        run,
        list(store.pages(run_id)),
        list(store.interactions(run_id)),
        list(store.findings(run_id)),
        store.skips(run_id),
    )
