"""Everything a renderer needs from one stored run, loaded once.

Renderers take a :class:`ReportData` and nothing else, so any stored run can be rendered
again later in any format (``dcaudit report RUN``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dcaudit.diff import Changes
from dcaudit.models import Finding, Interaction, Page, Run, Skip
from dcaudit.report.rules import RuleText, rule_texts
from dcaudit.report.site import home_page, site_name
from dcaudit.store import Store
from dcaudit.summary import summarise


@dataclass(frozen=True)
class ReportData:
    run: Run
    pages: list[Page]
    interactions: list[Interaction]
    findings: list[Finding]
    summary: dict[str, Any]
    skips: list[Skip]
    site_name: str = ""  # og:site_name, the home page's title, or the host
    rules: dict[str, RuleText] = field(default_factory=dict)  # how to describe each rule
    changes: Changes | None = None  # what changed since a baseline, when one was given


def build_report_data(
    run: Run,
    pages: list[Page],
    interactions: list[Interaction],
    findings: list[Finding],
    skips: list[Skip] | None = None,
    *,
    home_html: str | None = None,
) -> ReportData:
    """ReportData from records in memory (the pipeline's or a test's); ``home_html`` is the
    home page's HTML, for its og:site_name."""
    return ReportData(
        run=run,
        pages=pages,
        interactions=interactions,
        findings=findings,
        summary=summarise(run, pages, interactions, findings),
        skips=list(skips or ()),
        site_name=site_name(run, pages, home_html),
        rules=rule_texts(run, (f.rule for f in findings)),
    )


def load_report_data(store: Store, run_id: str) -> ReportData:
    """Load a stored run; an unknown run id raises StoreError naming the latest runs."""
    run = store.get_run(run_id)
    pages = list(store.pages(run_id))
    home = home_page(run, pages)
    return build_report_data(
        run,
        pages,
        list(store.interactions(run_id)),
        list(store.findings(run_id)),
        store.skips(run_id),
        home_html=store.page_body(run_id, home.url) if home else None,
    )


def with_changes(data: ReportData, changes: Changes | None) -> ReportData:
    """``data`` with the changes since a baseline (and the texts of the rules fixed since)."""
    if changes is None:
        return data
    fixed = [c.entry.rule for c in changes.fixed if c.entry.rule not in data.rules]
    rules = {**data.rules, **rule_texts(data.run, fixed)} if fixed else data.rules
    return replace(data, changes=changes, rules=rules)
