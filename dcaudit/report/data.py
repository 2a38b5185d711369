"""Everything a renderer needs from one stored run.

Renderers take a :class:`ReportData` and nothing else, so any stored run can be rendered
again later in any format (``dcaudit report RUN``). The summary, site name and rule texts
are worked out once; a stored run's pages, interactions and findings are read from the
store a chunk at a time whenever a renderer goes through them (:mod:`dcaudit.chunks`), so
a run of any size is reported in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dcaudit.chunks import Rows, stored_rows, with_findings
from dcaudit.diff import Changes
from dcaudit.models import Finding, Interaction, Page, Run, Skip
from dcaudit.report.rules import RuleText, rule_texts
from dcaudit.report.site import home_page, site_name
from dcaudit.store import Store
from dcaudit.summary import summarise_pairs


@dataclass(frozen=True)
class ReportData:
    run: Run
    # lists in memory, or a stored run's tables read in chunks each time they are iterated
    pages: Rows[Page]
    interactions: Rows[Interaction]
    findings: Rows[Finding]
    summary: dict[str, Any]
    skips: list[Skip]
    site_name: str = ""  # og:site_name, the home page's title, or the host
    rules: dict[str, RuleText] = field(default_factory=dict)  # how to describe each rule
    changes: Changes | None = None  # what changed since a baseline, when one was given


def build_report_data(
    run: Run,
    pages: Rows[Page],
    interactions: Rows[Interaction],
    findings: Rows[Finding],
    skips: list[Skip] | None = None,
    *,
    home_html: str | None = None,
    rule_ids: list[str] | None = None,
) -> ReportData:
    """ReportData from records in memory (the pipeline's or a test's) or read from a store;
    ``home_html`` is the home page's HTML, for its og:site_name; ``rule_ids`` the findings'
    rules in first-seen order, when known without reading every finding."""
    return ReportData(
        run=run,
        pages=pages,
        interactions=interactions,
        findings=findings,
        summary=summarise_pairs(run, pages, with_findings(interactions, findings), findings),
        skips=list(skips or ()),
        site_name=site_name(run, pages, home_html),
        rules=rule_texts(run, rule_ids if rule_ids is not None else (f.rule for f in findings)),
    )


def load_report_data(store: Store, run_id: str) -> ReportData:
    """A stored run, its records read in chunks whenever a report goes through them (a
    large run never whole in memory); an unknown run id raises StoreError naming the
    latest runs."""
    run = store.get_run(run_id)
    pages: Rows[Page] = stored_rows(store, run_id, "pages")
    home = home_page(run, pages)
    return build_report_data(
        run,
        pages,
        stored_rows(store, run_id, "interactions"),
        stored_rows(store, run_id, "findings"),
        store.skips(run_id),
        home_html=store.page_body(run_id, home.url) if home else None,
        rule_ids=[rule for (rule,) in store.read(_RULES_IN_ORDER, (run_id,))],
    )


# each rule once, in the order its first finding was stored
_RULES_IN_ORDER = """
    SELECT json_extract(data, '$.rule') FROM findings WHERE run_id = ?
    GROUP BY json_extract(data, '$.rule') ORDER BY MIN(seq)
"""


def with_changes(data: ReportData, changes: Changes | None) -> ReportData:
    """``data`` with the changes since a baseline (and the texts of the rules fixed since)."""
    if changes is None:
        return data
    fixed = [c.entry.rule for c in changes.fixed if c.entry.rule not in data.rules]
    rules = {**data.rules, **rule_texts(data.run, fixed)} if fixed else data.rules
    return replace(data, changes=changes, rules=rules)
