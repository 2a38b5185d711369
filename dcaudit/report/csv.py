"""interactions.csv and findings.csv: one row per item, stable columns, every item listed.

Cells are untrusted page text. A cell starting with ``= + - @`` (or a tab or carriage return)
is read as a formula by spreadsheet programs, so such cells get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from dcaudit.chunks import with_findings
from dcaudit.models import Outcome
from dcaudit.report.data import ReportData
from dcaudit.report.files import Writer
from dcaudit.summary import mode_of

INTERACTION_COLUMNS = (
    "id",
    "page",
    "kind",
    "class",
    "mode",
    "label",
    "selector",
    "target",
    "method",
    "platform",
    "four_cos",
    "participation",
    "closes_loop",
    "confidence",
    "needs_review",  # yes: the two likeliest classes were close, a person should check
    "runner_up",  # the second likeliest class
    "risk_score",
    "risk_factors",
    "violations",
    "findings_needing_review",
    "finding_ids",
    "evidence_rules",
    "tags",
)
FINDING_COLUMNS = (
    "id",
    "fingerprint",
    "rule",
    "source",
    "outcome",
    "impact",
    "wcag",
    "page",
    "selector",
    "snippet",
    "interaction",
    "message",
    "help_url",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render_csv(data: ReportData) -> dict[str, str]:
    """File name -> CSV text."""
    texts = {}
    for name, write in csv_writers(data).items():
        out = io.StringIO()
        write(out)
        texts[name] = out.getvalue()
    return texts


def csv_writers(data: ReportData) -> dict[str, Writer]:
    """File name -> what writes it, row by row as the records are read."""
    return {
        "interactions.csv": lambda out: _write_table(
            out, INTERACTION_COLUMNS, _interaction_rows(data)
        ),
        "findings.csv": lambda out: _write_table(out, FINDING_COLUMNS, _finding_rows(data)),
    }


def _interaction_rows(data: ReportData) -> Iterator[tuple[object, ...]]:
    for i, found in with_findings(data.interactions, data.findings):
        yield (
            i.id,
            i.page,
            i.kind.value,
            i.interaction_class.value if i.interaction_class else "",
            m.value if (m := mode_of(i)) else "",
            i.label,
            i.selector,
            i.target,
            i.method,
            i.platform,
            ";".join(c.value for c in i.four_cos),
            i.participation.value if i.participation else "",
            "yes" if i.closes_loop else "no",
            f"{i.confidence:.2f}",
            "yes" if i.needs_review else "no",
            i.runner_up.value if i.runner_up else "",
            "" if i.risk is None else f"{i.risk.score:g}",
            ""
            if i.risk is None
            else "; ".join(f"{f.factor} ({f.weight:g})" for f in i.risk.factors),
            sum(1 for f in found if f.outcome is Outcome.VIOLATION),
            sum(1 for f in found if f.outcome is Outcome.NEEDS_REVIEW),
            ";".join(f.id for f in found),
            ";".join(dict.fromkeys(e.rule for e in i.evidence)),
            ";".join(i.tags),
        )


def _finding_rows(data: ReportData) -> Iterator[tuple[object, ...]]:
    for f in data.findings:
        yield (
            f.id,
            f.fingerprint,
            f.rule,
            f.source.value,
            f.outcome.value,
            f.impact.value if f.impact else "",
            ";".join(f.wcag),
            f.page,
            f.selector,
            f.snippet,
            f.interaction,
            f.message,
            f.help_url,
        )


def _table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    _write_table(out, columns, rows)
    return out.getvalue()


def _write_table(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
