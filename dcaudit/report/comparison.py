"""The comparison of a batch of bodies (``dcaudit batch``) and its trends (``dcaudit
trends``): comparison.html, comparison.csv, groups.csv and comparison.json, and
trends.html, trends.csv and trends.json.

Renderers draw from the plain data :func:`dcaudit.batch.compare.comparison` returns (the
JSON contract, ``dcaudit/comparison/v1``). The HTML is one self-contained file like the
single-site report: its stylesheet inline under a Content-Security-Policy that allows
nothing else, no script, jinja2 autoescape for every name and address from the bodies'
list, and every colour in the heatmap backed by its number as text.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from dcaudit.errors import ConfigError
from dcaudit.models import FourCo, Participation
from dcaudit.report.csv import _table
from dcaudit.report.files import write_files
from dcaudit.report.headline import CO_NAME
from dcaudit.report.html import _asset, _environment

COMPARISON_FORMATS = ("html", "csv", "json")
HEAT_LEVELS = 4  # heatmap shades above none; each cell also shows its number
_EXTRA_CSS = """
td.heat { text-align: right; font-variant-numeric: tabular-nums; }
td.heat-0 { background: #ffffff; }
td.heat-1 { background: #e3edf7; }
td.heat-2 { background: #c3d7ec; }
td.heat-3 { background: #8fb3da; }
td.heat-4 { background: #17406d; color: #ffffff; }
.unranked td { color: var(--muted); }
"""
FIGURE_COLUMNS = (
    "two_way_share",
    "digital_layer_share",
    "closes_loop_share",
    "needs_review_share",
    "barriers_per_100_pages",
    "barriers_per_two_way",
    "a11y_per_page",
    "a11y_per_page_without_target_size",
)


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _page(template: str, **view: Any) -> str:
    css = _asset("report.css") + _EXTRA_CSS
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = (
        f"default-src 'none'; img-src data:; style-src 'sha256-{digest}'; script-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    return (
        _environment()
        .get_template(template)
        .render(
            **view,
            css=Markup(css),
            csp=csp,
            ratio=_ratio,
            CO_NAMES={co.value: CO_NAME[co] for co in FourCo},
            IAP2=[p.value for p in Participation],
        )
    )


def heat(value: int, top: int) -> int:
    """The heatmap shade of a count, 0 (none) to HEAT_LEVELS (the batch's highest)."""
    if value <= 0 or top <= 0:
        return 0
    return max(1, round(HEAT_LEVELS * value / top))


def render_comparison_html(data: dict[str, Any]) -> str:
    league = data["league"]
    top = max((v for row in league for v in row["four_cos"].values()), default=0)
    top_iap2 = max((v for row in league for v in row["iap2"].values()), default=0)
    return _page(
        "comparison.html.j2",
        c=data,
        heat=lambda v: heat(v, top),
        heat_iap2=lambda v: heat(v, top_iap2),
        ranked=[r for r in league if r["ranked"]],
        unranked=[r for r in league if not r["ranked"]],
    )


def render_trends_html(data: dict[str, Any]) -> str:
    return _page("trends.html.j2", c=data)


def _groups_cells(row: dict[str, Any], columns: Sequence[str]) -> list[str]:
    return [row["groups"].get(column, "") for column in columns]


def render_comparison_csv(data: dict[str, Any]) -> dict[str, str]:
    """comparison.csv (one row per body, league order) and groups.csv."""
    columns = data["batch"]["columns"]
    head = ["rank", "rank_low", "rank_high", "name", "url", *columns, "status", "note"]
    head += [*FIGURE_COLUMNS, "two_way_share_low", "two_way_share_high"]
    head += ["pages_reached", "robots_blocked", "failed", "browser_checked", "interactions"]
    head += [f"four_cos_{co.value}" for co in FourCo]
    head += [f"iap2_{p.value}" for p in Participation] + ["run_id"]
    rows = []
    for r in data["league"]:
        low, high = r["rank_interval"] or ("", "")
        share_low, share_high = r["two_way_share_interval"] or ("", "")
        cov = r["coverage"]
        rows.append(
            [r["rank"], low, high, r["name"], r["url"], *_groups_cells(r, columns)]
            + [r["status"], r["note"], *(r["figures"][k] for k in FIGURE_COLUMNS)]
            + [share_low, share_high, cov["pages_reached"], cov["robots_blocked"]]
            + [cov["failed"], cov["browser_checked"], r["counts"]["interactions"]]
            + [r["four_cos"][co.value] for co in FourCo]
            + [r["iap2"][p.value] for p in Participation]
            + [r["run_id"]]
        )
    group_keys: tuple[str, ...] = ("value", "bodies", "ranked", "not_ranked")
    group_keys += ("mean_two_way_share", "mean_digital_layer_share")
    group_keys += ("mean_barriers_per_100_pages", "mean_a11y_per_page", "pages_reached")
    group_rows = [
        [column, *(g[k] for k in group_keys), "; ".join(g["names"])]
        for column, groups in data["groups"].items()
        for g in groups
    ]
    return {
        "comparison.csv": _table(head, rows),
        "groups.csv": _table(["column", *group_keys, "names"], group_rows),
    }


def render_trends_csv(data: dict[str, Any]) -> str:
    head = ["name", "batch", "date", "status", "rank", "of", "pages_reached"]
    keys: tuple[str, ...] = ("two_way_share", "digital_layer_share", "closes_loop_share")
    keys += ("barriers_per_100_pages", "a11y_per_page")
    rows = [
        [t["name"], p["batch"], p["date"], p["status"], p["rank"], p["of"], p["pages_reached"]]
        + [p[k] for k in keys]
        for t in data["trends"]
        for p in t["points"]
    ]
    return _table([*head, *keys], rows)


def _json(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def check_formats(formats: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(f.strip() for f in formats if f.strip()))
    unknown = [f for f in wanted if f not in COMPARISON_FORMATS]
    if unknown or not wanted:
        raise ConfigError(
            f"unknown comparison format(s): {', '.join(unknown) or 'none given'}; "
            f"choose from {', '.join(COMPARISON_FORMATS)}"
        )
    return wanted


def write_comparison(data: dict[str, Any], formats: Iterable[str], out_dir: Path) -> list[Path]:
    texts: dict[str, str] = {}
    for fmt in check_formats(formats):
        if fmt == "html":
            texts["comparison.html"] = render_comparison_html(data)
        elif fmt == "csv":
            texts.update(render_comparison_csv(data))
        else:
            texts["comparison.json"] = _json(data)
    return write_files(texts, out_dir)


def write_trends(data: dict[str, Any], formats: Iterable[str], out_dir: Path) -> list[Path]:
    texts: dict[str, str] = {}
    trends = {"schema": data["schema"], "batch": data["batch"], "trends": data["trends"]}
    for fmt in check_formats(formats):
        if fmt == "html":
            texts["trends.html"] = render_trends_html(trends)
        elif fmt == "csv":
            texts["trends.csv"] = render_trends_csv(trends)
        else:
            texts["trends.json"] = _json(trends)
    return write_files(texts, out_dir)
