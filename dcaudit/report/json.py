"""report.json: the public contract (README, report.schema.json), schema id ``dcaudit/report/v1``.

Objects are built key by key (not from ``to_dict``) so the output is exactly the contract,
whatever fields the models grow; ``report.schema.json`` beside this file documents it.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from dcaudit.chunks import by_page, with_findings
from dcaudit.models import Finding, Interaction, Page, Risk, Source
from dcaudit.redact import redact_settings, strip_userinfo
from dcaudit.report.data import ReportData
from dcaudit.report.meta import SCHEMA_ID, tool_info
from dcaudit.summary import attached_findings

# Finding sources whose rules are a page's exclusion and security factors.
FACTOR_SOURCES = (Source.EXCLUSION, Source.SECURITY)
# Above this many items, JSON is written compact: indenting forces Python's slow pure-Python
# encoder (5x the time on 50,000 findings) and adds a third to the size, for files no one
# reads by eye.
PRETTY_MAX_ITEMS = 5_000


def encode(document: Any, items: int) -> str:
    """JSON text: indented for runs of up to PRETTY_MAX_ITEMS items, compact above."""
    if items <= PRETTY_MAX_ITEMS:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def report_dict(data: ReportData) -> dict[str, Any]:
    """The report as plain data."""
    factors = page_factors(data.findings)
    attached = attached_findings(data.interactions, data.findings)
    return {
        "schema": SCHEMA_ID,
        "tool": tool_info(data.run),
        "run": run_dict(data),
        "pages": [page_dict(p, factors.get(p.url, [])) for p in data.pages],
        "interactions": [
            interaction_dict(i, [f.id for f in attached.get(i.id, ())]) for i in data.interactions
        ],
        "findings": [finding_dict(f) for f in data.findings],
        "summary": data.summary,
    }


def render_json(data: ReportData) -> str:
    out = io.StringIO()
    write_json(data, out)
    return out.getvalue()


def write_json(data: ReportData, out: TextIO) -> None:
    """report.json into ``out``: a small run's as one indented document; above
    PRETTY_MAX_ITEMS items compact and written as it is made, item by item from the store,
    the same text ``encode`` gives for the whole document."""
    items = len(data.findings) + len(data.interactions)
    if items <= PRETTY_MAX_ITEMS:
        out.write(encode(report_dict(data), items))
        return
    skeleton = {
        "schema": SCHEMA_ID,
        "tool": tool_info(data.run),
        "run": run_dict(data),
        "pages": HOLE,
        "interactions": HOLE,
        "findings": HOLE,
        "summary": data.summary,
    }
    head, *rest = compact(skeleton).split(compact(HOLE))
    out.write(head)
    arrays = (
        (page_dict(p, f) for p, f in _pages_with_factors(data)),
        (interaction_dict(i, [f.id for f in found]) for i, found in with_findings_of(data)),
        (finding_dict(f) for f in data.findings),
    )
    for items_of, tail in zip(arrays, rest, strict=True):
        write_array(out, items_of)
        out.write(tail)
    out.write("\n")


HOLE = "\x00stream\x00"  # where a streamed array goes in a compact skeleton


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_array(out: TextIO, items: Iterable[Any]) -> None:
    """A compact JSON array, one item at a time."""
    out.write("[")
    for n, item in enumerate(items):
        if n:
            out.write(",")
        out.write(compact(item))
    out.write("]")


def with_findings_of(data: ReportData) -> Iterator[tuple[Interaction, list[Finding]]]:
    return with_findings(data.interactions, data.findings)


def _pages_with_factors(data: ReportData) -> Iterator[tuple[Page, list[str]]]:
    """Each page with its factor rules, the findings read a chunk of pages at a time."""
    for pages, _, findings in by_page(data.pages, None, data.findings):
        factors = page_factors(findings)
        yield from ((p, factors.get(p.url, [])) for p in pages)


def page_factors(findings: Iterable[Finding]) -> dict[str, list[str]]:
    """Page URL -> sorted rule ids of its exclusion and security findings."""
    rules: defaultdict[str, set[str]] = defaultdict(set)
    for finding in findings:
        if finding.source in FACTOR_SOURCES:
            rules[finding.page].add(finding.rule)
    return {page: sorted(found) for page, found in rules.items()}


def run_dict(data: ReportData) -> dict[str, Any]:
    run = data.run
    return {
        "id": run.id,
        "started": run.started,
        "finished": run.finished,
        "status": run.status.value,
        "seeds": [strip_userinfo(s) for s in run.seeds],
        "settings": redact_settings(run.settings),
        "stats": run.stats.to_dict(),
        "notes": list(run.notes),
        "risk": risk_dict(run.risk),
    }


def page_dict(page: Page, factors: list[str]) -> dict[str, Any]:
    return {
        "url": page.url,
        "final_url": page.final_url,
        "status": page.status,
        "content_type": page.content_type,
        "bytes": page.bytes,
        "depth": page.depth,
        "lang": page.lang,
        "title": page.title,
        "error": page.error,
        "is_document": page.is_document,
        "browser_checked": page.browser_checked,
        "reading_grade": page.reading_grade,
        "factors": factors,
        "risk": risk_dict(page.risk),
    }


def interaction_dict(interaction: Interaction, finding_ids: list[str]) -> dict[str, Any]:
    return {
        "id": interaction.id,
        "page": interaction.page,
        "kind": interaction.kind.value,
        "label": interaction.label,
        "selector": interaction.selector,
        "target": interaction.target,
        "method": interaction.method,
        "platform": interaction.platform,
        "class": _value(interaction.interaction_class),
        "mode": _value(interaction.mode),
        "four_cos": [c.value for c in interaction.four_cos],
        "participation": _value(interaction.participation),
        "closes_loop": interaction.closes_loop,
        "confidence": interaction.confidence,
        "needs_review": interaction.needs_review,
        "runner_up": _value(interaction.runner_up),
        "evidence": [
            {"rule": e.rule, "reason": e.reason, "match": e.match, "contribution": e.contribution}
            for e in interaction.evidence
        ],
        "tags": list(interaction.tags),
        "finding_ids": finding_ids,
        "risk": risk_dict(interaction.risk),
    }


def risk_dict(risk: Risk | None) -> dict[str, Any] | None:
    if risk is None:
        return None
    return {
        "score": risk.score,
        "factors": [
            {"factor": f.factor, "weight": f.weight, "detail": f.detail} for f in risk.factors
        ],
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "fingerprint": finding.fingerprint,
        "rule": finding.rule,
        "source": finding.source.value,
        "outcome": finding.outcome.value,
        "impact": _value(finding.impact),
        "wcag": list(finding.wcag),
        "page": finding.page,
        "selector": finding.selector,
        "snippet": finding.snippet,
        "interaction": finding.interaction,
        "message": finding.message,
        "help_url": finding.help_url,
    }


def _value(member: Any) -> Any:
    return None if member is None else member.value
