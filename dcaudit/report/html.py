"""report.html: one self-contained, offline, accessible file for three readers.

A service manager reads the headline and what to fix first, a developer the exact page,
element, snippet and fix, a policy officer the method and comparable figures. This module
builds the view (grouping, ranking, capping for large runs); the jinja2 templates in
``templates/`` draw it. Every string from an audited site is escaped by jinja2's autoescape,
and only http(s) URLs become links. A Content-Security-Policy allows only our own inline
style and script (by hash), so even a missed escape could not load or run anything.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from dcaudit.checks.assisted_route import NOTE_PREFIX as ROUTE_NOTE
from dcaudit.chunks import lookup_pages, with_findings, with_interactions
from dcaudit.models import (
    MODE_OF_CLASS,
    Finding,
    FourCo,
    Interaction,
    InteractionClass,
    Mode,
    Outcome,
    Page,
    Participation,
    SkipReason,
)
from dcaudit.redact import redact_settings, strip_userinfo
from dcaudit.report.aggregate import (
    ACCESSIBILITY,
    FACTORS,
    SITE_WIDE,
    RuleGroup,
    fixes_of,
    group_linked,
    impact_rank,
    pages_of_rules,
)
from dcaudit.report.changes import changes_view
from dcaudit.report.charts import Chart, bar_chart
from dcaudit.report.data import ReportData
from dcaudit.report.headline import CO_NAME, headline
from dcaudit.report.meta import tool_info
from dcaudit.report.site import host_of
from dcaudit.report.text import is_http_url, plain
from dcaudit.summary import UN_EPI_LEVEL, mode_of

INTERACTIONS_SHOWN_PER_CLASS = 200  # the rest are counted; interactions.csv has them all
SKIPS_SHOWN = 50
FAILURES_SHOWN = 50
FIX_FIRST = 12  # fix cards shown
FIX_LISTED = 8  # interactions listed on a fix card; the rest are counted
# the rule tables: accessibility violations and needs review, exclusion and security
# factors (both outcomes), and every violation (for the headline and the widespread list)
RULE_GROUPS = (
    (Outcome.VIOLATION, ACCESSIBILITY),
    (Outcome.NEEDS_REVIEW, ACCESSIBILITY),
    (Outcome.VIOLATION, FACTORS),
    (Outcome.NEEDS_REVIEW, FACTORS),
    (Outcome.VIOLATION, (*ACCESSIBILITY, *FACTORS)),
)

CLASS_ORDER = (
    InteractionClass.TRANSACTIONAL,
    InteractionClass.CONSULTATIVE,
    InteractionClass.COLLABORATIVE,
    InteractionClass.DIGITAL_LAYER,
    InteractionClass.INFORMATION,
    InteractionClass.UTILITY,
)
CLASS_NAME: dict[InteractionClass | None, str] = {
    InteractionClass.UTILITY: "Utility",
    InteractionClass.INFORMATION: "Information",
    InteractionClass.DIGITAL_LAYER: "Digital layer",
    InteractionClass.TRANSACTIONAL: "Transactional",
    InteractionClass.CONSULTATIVE: "Consultative",
    InteractionClass.COLLABORATIVE: "Collaborative",
    None: "Unclassified",
}
EPI_NAME = {
    "e_information": "e-information",
    "e_consultation": "e-consultation",
    "e_decision_making": "e-decision-making",
}
SKIP_NAME: dict[str, str] = {
    SkipReason.ROBOTS: "refused by robots.txt",
    SkipReason.OUT_OF_SCOPE: "outside the crawl scope (another host)",
    SkipReason.EXCLUDED: "excluded by include/exclude settings",
    SkipReason.MAX_DEPTH: "beyond the maximum depth",
    SkipReason.MAX_PAGES: "beyond the maximum number of pages",
    SkipReason.TRAP: "cut by the crawler-trap guard",
    SkipReason.NON_HTTP: "not a web address (mailto:, tel: ...)",
    SkipReason.CONTENT_TYPE: "neither HTML nor a known document type",
}
SCOPE_SETTINGS = (
    ("max_pages", "Maximum pages"),
    ("max_depth", "Maximum link depth"),
    ("include", "Only URLs matching"),
    ("exclude", "URLs excluded"),
    ("extra_hosts", "Other hosts crawled"),
    ("respect_robots", "robots.txt respected"),
    ("use_sitemaps", "Sitemaps used"),
    ("browser", "Browser pass (axe-core)"),
    ("browser_max_pages", "Browser pass page limit (0: all)"),
    ("sample_per_template", "Browser sample per page template (0: all)"),
    ("axe_tags", "axe-core tags"),
    ("required_languages", "Languages required"),
)


@dataclass(frozen=True)
class InteractionRow:
    interaction: Interaction
    anchor: str
    page_title: str
    barriers: tuple[Finding, ...]  # violations, worst first
    reviews: tuple[Finding, ...]


@dataclass(frozen=True)
class ClassSection:
    cls: InteractionClass | None
    name: str
    anchor: str
    count: int
    rows: tuple[InteractionRow, ...]
    more: int
    open: bool


def render_html(data: ReportData) -> str:
    css, js = _asset("report.css"), _asset("report.js")
    template = _environment().get_template("report.html.j2")
    return template.render(
        **build_view(data),
        css=Markup(css),
        js=Markup(js),
        csp=_csp(css, js),
    )


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dcaudit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["http_url"] = is_http_url
    env.filters["plain"] = plain
    env.filters["pct"] = _pct
    env.filters["num"] = _num
    env.filters["short_url"] = _short_url
    env.filters["json_text"] = _json_text
    env.filters["when"] = _when
    env.filters["signed"] = _signed
    env.globals["CLASS_NAME"] = CLASS_NAME
    env.globals["CO_NAME"] = CO_NAME
    env.globals["FIX_LISTED"] = FIX_LISTED
    env.globals["SITE_WIDE"] = SITE_WIDE
    return env


@functools.cache
def _asset(name: str) -> str:
    return files("dcaudit.report").joinpath("templates", name).read_text(encoding="utf-8")


def _csp(css: str, js: str) -> str:
    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")

    return (
        "default-src 'none'; img-src data:; "
        f"style-src 'sha256-{digest(css)}'; script-src 'sha256-{digest(js)}'; "
        "base-uri 'none'; form-action 'none'"
    )


def build_view(data: ReportData) -> dict[str, Any]:
    """Everything the template shows, computed once. A stored run's records are read a
    chunk at a time (each pass keeps what is shown and counts the rest), pages looked up
    by URL in the store, so a large run's report is made in bounded memory."""
    pages_by_url = lookup_pages(data.pages)
    sections, anchors = _class_sections(
        with_findings(data.interactions, data.findings), pages_by_url
    )
    violations, reviews, factor_violations, factor_reviews, all_violations = group_linked(
        with_interactions(data.interactions, data.findings),
        RULE_GROUPS,
        data.rules,
        pages_of_rules(data.findings, RULE_GROUPS),
    )
    summary = data.summary
    fixes, fix_total = fixes_of(
        lambda: with_findings(data.interactions, data.findings), pages_by_url, data.rules, FIX_FIRST
    )
    digital_layer = (
        i for i in data.interactions if i.interaction_class is InteractionClass.DIGITAL_LAYER
    )
    return {
        "site": data.site_name,
        "site_host": host_of(data.run.seeds[0]) if data.run.seeds else "",
        "run": data.run,
        "seeds": [strip_userinfo(s) for s in data.run.seeds],
        "tool": tool_info(data.run),
        "summary": summary,
        "pages_by_url": pages_by_url,
        "anchors": anchors,
        "headline": _headline(data, all_violations),
        "cards": headline(summary),
        "fixes": fixes,
        "fix_total": fix_total,
        "route_notes": [n for n in data.run.notes if n.startswith(ROUTE_NOTE)],
        "widespread": sorted(all_violations, key=lambda g: (-g.page_count, -g.nodes, g.rule))[:5],
        "risk_pages": summary["risk"]["pages"],
        "class_chart": _class_chart(summary),
        "class_rows": _class_rows(summary),
        "co_matrix": _co_matrix(data.interactions),
        "ladder_chart": _ladder_chart(summary),
        "ladder_rows": _ladder_rows(summary),
        "digital_layer": list(itertools.islice(digital_layer, INTERACTIONS_SHOWN_PER_CLASS)),
        "sections": sections,
        "impact_chart": _impact_chart(summary),
        "impact_rows": _impact_rows(summary),
        "a11y_violations": violations,
        "a11y_reviews": reviews,
        "factor_groups": factor_violations + factor_reviews,
        "method": _method(data),
        "changes": changes_view(data.changes, data.rules) if data.changes else None,
        "classes": {c.value: c for c in InteractionClass},
        "cls_mode": {c: m.value for c, m in MODE_OF_CLASS.items()},
    }


def _riskiest(
    pairs: Iterable[tuple[Interaction, list[Finding]]],
) -> tuple[Counter[InteractionClass | None], dict[Any, Mode | None], dict[Any, list[Any]]]:
    """Per class: how many, the mode of the first, and the INTERACTIONS_SHOWN_PER_CLASS
    riskiest (ties in stored order) with their findings, riskiest first."""
    counts: Counter[InteractionClass | None] = Counter()
    first: dict[InteractionClass | None, Mode | None] = {}
    top: dict[InteractionClass | None, list[Any]] = {}
    for n, (interaction, found) in enumerate(pairs):
        cls = interaction.interaction_class
        counts[cls] += 1
        first.setdefault(cls, mode_of(interaction))
        kept = top.setdefault(cls, [])
        risk = interaction.risk.score if interaction.risk else 0.0
        kept.append((-risk, n, interaction, found))
        if len(kept) >= 2 * INTERACTIONS_SHOWN_PER_CLASS:  # trimmed now and then: bounded
            kept.sort(key=lambda item: item[:2])
            del kept[INTERACTIONS_SHOWN_PER_CLASS:]
    for kept in top.values():
        kept.sort(key=lambda item: item[:2])
        del kept[INTERACTIONS_SHOWN_PER_CLASS:]
    return counts, first, top


def _class_sections(
    pairs: Iterable[tuple[Interaction, list[Finding]]],
    pages_by_url: Mapping[str, Page],
) -> tuple[list[ClassSection], dict[str, str]]:
    counts, first, top = _riskiest(pairs)
    anchors: dict[str, str] = {}
    sections: list[ClassSection] = []
    counter = 0
    for cls in (*CLASS_ORDER, None):
        if not counts.get(cls):
            continue
        # riskiest first, so a capped list still shows what matters
        rows = []
        for _, _, interaction, found in top[cls]:
            counter += 1
            anchor = f"ix-{counter}"
            anchors[interaction.id] = anchor
            page = pages_by_url.get(interaction.page)
            rows.append(
                InteractionRow(
                    interaction=interaction,
                    anchor=anchor,
                    page_title=(page.title or "") if page else "",
                    barriers=tuple(
                        sorted(
                            (f for f in found if f.outcome is Outcome.VIOLATION),
                            key=lambda f: -impact_rank(f.impact),
                        )
                    ),
                    reviews=tuple(f for f in found if f.outcome is Outcome.NEEDS_REVIEW),
                )
            )
        sections.append(
            ClassSection(
                cls=cls,
                name=CLASS_NAME[cls],
                anchor=f"class-{cls.value if cls else 'unclassified'}",
                count=counts[cls],
                rows=tuple(rows),
                more=counts[cls] - len(rows),
                open=(cls is not None and first[cls] is Mode.TWO_WAY) or len(rows) <= 8,
            )
        )
    return sections, anchors


def _headline(data: ReportData, all_violations: list[RuleGroup]) -> dict[str, Any]:
    summary = data.summary
    by_class = summary["interactions"]["by_class"]
    non_utility = summary["interactions"]["total"] - by_class["utility"]
    non_utility -= summary["interactions"]["unclassified"]
    blocking = [g for g in all_violations if g.blocked_total]
    blocking.sort(key=lambda g: (-impact_rank(g.impact), -g.blocked_total, -g.page_count, g.rule))
    return {
        "non_utility": non_utility,
        "two_way": summary["interactions"]["by_mode"]["two_way"],
        "digital_layer": by_class["digital_layer"],
        "covered": [CO_NAME[FourCo(c)] for c in summary["four_cos_coverage"]["covered"]],
        "missing": [CO_NAME[FourCo(c)] for c in summary["four_cos_coverage"]["missing"]],
        "worst_barriers": blocking[:3],
    }


def _class_rows(summary: dict[str, Any]) -> list[tuple[InteractionClass, int]]:
    by_class = summary["interactions"]["by_class"]
    return [(cls, by_class[cls.value]) for cls in CLASS_ORDER]


def _class_chart(summary: dict[str, Any]) -> Chart:
    return bar_chart(
        "chart-classes",
        "Interactions by class",
        [(CLASS_NAME[cls], count, cls.value) for cls, count in _class_rows(summary)],
        "interactions",
    )


def _co_matrix(interactions: Iterable[Interaction]) -> list[tuple[str, list[int], int]]:
    """Rows: each Co; columns: CLASS_ORDER; cells: interactions with that Co and class."""
    cells: Counter[tuple[FourCo, InteractionClass | None]] = Counter(
        (co, i.interaction_class) for i in interactions for co in i.four_cos
    )
    rows = []
    for co in FourCo:
        counts = [cells[(co, cls)] for cls in CLASS_ORDER]
        rows.append((CO_NAME[co], counts, sum(counts)))
    return rows


def _ladder_rows(summary: dict[str, Any]) -> list[tuple[str, str, int]]:
    iap2 = summary["participation"]["iap2"]
    # the ladder reads from the top: most power first
    return [
        (p.value.capitalize(), EPI_NAME[UN_EPI_LEVEL[p]], iap2[p.value])
        for p in reversed(Participation)
    ]


def _ladder_chart(summary: dict[str, Any]) -> Chart:
    return bar_chart(
        "chart-ladder",
        "Participation depth (IAP2 spectrum)",
        [(level, count, "ladder") for level, _, count in _ladder_rows(summary)],
        "interactions",
    )


def _impact_rows(summary: dict[str, Any]) -> list[tuple[str, int, int]]:
    violations = summary["findings"]["by_impact"]
    review = summary["findings"]["needs_review_by_impact"]
    return [
        (impact, violations[impact], review[impact])
        for impact in ("critical", "serious", "moderate", "minor", "unrated")
    ]


def _impact_chart(summary: dict[str, Any]) -> Chart:
    return bar_chart(
        "chart-impact",
        "Violations by impact",
        [(impact.capitalize(), v, impact) for impact, v, _ in _impact_rows(summary)],
        "violations",
    )


def _method(data: ReportData) -> dict[str, Any]:
    settings = redact_settings(data.run.settings)
    skip_counts = Counter(s.reason.value for s in data.skips)
    return {
        "scope": [(label, settings[key]) for key, label in SCOPE_SETTINGS if key in settings],
        "settings": sorted(settings.items()),
        "robots": [s for s in data.skips if s.reason is SkipReason.ROBOTS][:SKIPS_SHOWN],
        "robots_total": skip_counts.get(SkipReason.ROBOTS.value, 0),
        "skips": [
            (SKIP_NAME.get(reason, reason), count)
            for reason, count in sorted(skip_counts.items(), key=lambda kv: -kv[1])
        ],
        "failed_pages": _first((p for p in data.pages if p.error is not None), FAILURES_SHOWN),
        "failed_checks": _first(
            (f for f in data.findings if f.outcome is Outcome.ERROR), FAILURES_SHOWN
        ),
        "html_pages": data.summary["pages"]["html"],
    }


def _first(items: Iterable[Any], count: int) -> list[Any]:
    return list(itertools.islice(items, count))


def _signed(value: float) -> str:
    """A learned signal's contribution: +0.42 towards the class, −0.13 (minus sign) against."""
    return f"{value:+.2f}".replace("-", "\u2212")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _num(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _short_url(url: str, host: str) -> str:
    """The path for pages of the audited host, the whole URL for anything else."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return plain(url, 120)
    if host and parts.hostname == host and parts.scheme in ("http", "https"):
        path = parts.path or "/"
        return plain(path + (f"?{parts.query}" if parts.query else ""), 120)
    return plain(url, 120)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _when(value: str | None) -> str:
    """ISO 8601 time -> '1 January 2026, 00:00 UTC'; anything unparseable shown as text."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return plain(value, 40)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"
