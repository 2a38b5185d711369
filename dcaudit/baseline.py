"""Baseline files: the known state of a site, committed beside its code.

``dcaudit baseline save`` writes one from a stored run; ``dcaudit audit --baseline FILE``
compares a new run with it (:mod:`dcaudit.diff`); ``dcaudit baseline update`` accepts the
current state. The file is small, sorted and diff-friendly: one JSON object per line for
each finding and interaction identity (:mod:`dcaudit.identity`), the rule pack versions,
the page paths and the site risk. No page bodies, snippets, messages, cookies or headers.

A finding entry may carry ``expires`` (``YYYY-MM-DD``) and ``note``, added by hand: after
that date the entry no longer covers its finding, which counts as new again. ``baseline
update`` keeps both on the entries that are still there.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dcaudit.checks.findings import page_path
from dcaudit.errors import ConfigError
from dcaudit.identity import (
    IDENTITY_VERSION,
    finding_identity,
    finding_parts,
    interaction_identity,
    interaction_parts,
)
from dcaudit.models import (
    IMPACT_ORDER,
    MODE_OF_CLASS,
    Finding,
    Interaction,
    InteractionClass,
    Mode,
    Outcome,
    Page,
    Run,
)

SCHEMA = "dcaudit/baseline/v1"
DEFAULT_FILE = "dcaudit-baseline.json"
BASELINED = (Outcome.VIOLATION, Outcome.NEEDS_REVIEW)
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_HEADER_KEYS = ("schema", "identity", "dcaudit", "run", "created", "site", "site_risk")


@dataclass(frozen=True)
class FindingEntry:
    id: str
    rule: str
    template: str
    locator: str
    outcome: str
    impact: str | None
    page: str  # one page it is on (the first by path), for people reading the file
    expires: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if v is not None or k == "impact"}
        return data


@dataclass(frozen=True)
class InteractionEntry:
    id: str
    kind: str
    template: str
    target: str
    label: str
    cls: str | None
    page: str

    @property
    def two_way(self) -> bool:
        return self.cls is not None and MODE_OF_CLASS[InteractionClass(self.cls)] is Mode.TWO_WAY

    def to_dict(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["class"] = data.pop("cls")
        return data


@dataclass(frozen=True)
class Baseline:
    run: str
    created: str
    site: str
    dcaudit: str
    rule_packs: dict[str, str]
    site_risk: float | None
    pages: tuple[str, ...]
    findings: tuple[FindingEntry, ...]
    interactions: tuple[InteractionEntry, ...]


def baseline_of(
    run: Run,
    pages: Iterable[Page],
    interactions: Iterable[Interaction],
    findings: Iterable[Finding],
) -> Baseline:
    """The baseline of a run's records."""
    return Baseline(
        run=run.id,
        created=run.started,
        site=(urlsplit(run.seeds[0]).hostname or "") if run.seeds else "",
        dcaudit=str(run.tool.get("version") or ""),
        rule_packs=dict(sorted((run.tool.get("rule_packs") or {}).items())),
        site_risk=run.risk.score if run.risk else None,
        pages=tuple(sorted({page_path(p.url) for p in pages})),
        findings=finding_entries(findings),
        interactions=interaction_entries(interactions),
    )


def group_findings(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Identity -> the findings that have it (violations and needs-review only)."""
    groups: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.outcome in BASELINED:
            groups[finding_identity(finding)].append(finding)
    return dict(groups)


def finding_entry(identity: str, group: Sequence[Finding]) -> FindingEntry:
    first = min(group, key=lambda f: page_path(f.page))
    rule, template, locator = finding_parts(first)
    worst = max((f.impact for f in group if f.impact), key=IMPACT_ORDER.__getitem__, default=None)
    return FindingEntry(
        id=identity,
        rule=rule,
        template=template,
        locator=locator,
        outcome=first.outcome.value,
        impact=worst.value if worst else None,
        page=page_path(first.page),
    )


def finding_entries(findings: Iterable[Finding]) -> tuple[FindingEntry, ...]:
    entries = [finding_entry(key, group) for key, group in group_findings(findings).items()]
    return tuple(sorted(entries, key=lambda e: (e.rule, e.template, e.locator, e.outcome)))


def group_interactions(interactions: Iterable[Interaction]) -> dict[str, list[Interaction]]:
    groups: defaultdict[str, list[Interaction]] = defaultdict(list)
    for interaction in interactions:
        groups[interaction_identity(interaction)].append(interaction)
    return dict(groups)


def interaction_entry(identity: str, group: Sequence[Interaction]) -> InteractionEntry:
    """The entry of one identity; its class is the commonest two-way class of its instances
    if any is two-way, else the commonest class."""
    first = min(group, key=lambda i: page_path(i.page))
    kind, template, target, label = interaction_parts(first)
    counts = Counter(i.interaction_class for i in group if i.interaction_class is not None)
    ranked = sorted(
        counts.items(),
        key=lambda item: (MODE_OF_CLASS[item[0]] is not Mode.TWO_WAY, -item[1], item[0].value),
    )
    return InteractionEntry(
        id=identity,
        kind=kind,
        template=template,
        target=target,
        label=label,
        cls=ranked[0][0].value if ranked else None,
        page=page_path(first.page),
    )


def interaction_entries(interactions: Iterable[Interaction]) -> tuple[InteractionEntry, ...]:
    groups = group_interactions(interactions)
    entries = [interaction_entry(key, group) for key, group in groups.items()]
    return tuple(sorted(entries, key=lambda e: (e.kind, e.template, e.target, e.label)))


def render_baseline(baseline: Baseline) -> str:
    """The file's text: a header, then one line per page, finding and interaction."""
    header: dict[str, Any] = {
        "schema": SCHEMA,
        "identity": IDENTITY_VERSION,
        "dcaudit": baseline.dcaudit,
        "run": baseline.run,
        "created": baseline.created,
        "site": baseline.site,
        "site_risk": baseline.site_risk,
    }
    lines = ["{"]
    lines += [f"  {json.dumps(key)}: {json.dumps(value)}," for key, value in header.items()]
    lines.append(f'  "rule_packs": {json.dumps(baseline.rule_packs, sort_keys=True)},')
    lines += _array("pages", [json.dumps(p, ensure_ascii=False) for p in baseline.pages], ",")
    lines += _array("findings", [_line(e.to_dict()) for e in baseline.findings], ",")
    lines += _array("interactions", [_line(e.to_dict()) for e in baseline.interactions], "")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _line(item: Mapping[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def _array(name: str, items: list[str], end: str) -> list[str]:
    if not items:
        return [f'  "{name}": []{end}']
    body = [f"    {item}," for item in items[:-1]] + [f"    {items[-1]}"]
    return [f'  "{name}": [', *body, f"  ]{end}"]


def write_baseline(path: Path, baseline: Baseline) -> None:
    try:
        path.write_text(render_baseline(baseline), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror}") from exc


def read_baseline(path: Path) -> Baseline:
    """A baseline file; anything wrong with it is one ConfigError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"no baseline file {path}: write one with dcaudit baseline save --file {path}"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc}") from exc
    try:
        return parse_baseline(json.loads(text))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"baseline {path} is not JSON: {exc.msg} at line {exc.lineno}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"baseline {path} is not a dcaudit baseline: {exc}") from exc


def parse_baseline(data: Any) -> Baseline:
    """Baseline from the file's JSON; KeyError, TypeError or ValueError when it is not one."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"'schema' must be {SCHEMA!r}")
    if data.get("identity") != IDENTITY_VERSION:
        raise ValueError(
            f"it was written with identity version {data.get('identity')!r}, this dcaudit "
            f"uses {IDENTITY_VERSION}: save it again with dcaudit baseline save"
        )
    risk = data.get("site_risk")
    return Baseline(
        run=str(data.get("run", "")),
        created=str(data.get("created", "")),
        site=str(data.get("site", "")),
        dcaudit=str(data.get("dcaudit", "")),
        rule_packs={str(k): str(v) for k, v in dict(data.get("rule_packs") or {}).items()},
        site_risk=float(risk) if isinstance(risk, int | float) else None,
        pages=tuple(str(p) for p in data.get("pages", ())),
        findings=tuple(_finding_entry(item) for item in _objects(data, "findings")),
        interactions=tuple(_interaction_entry(item) for item in _objects(data, "interactions")),
    )


def _objects(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise TypeError(f"'{key}' must be a list of objects")
    return items


def _finding_entry(item: Mapping[str, Any]) -> FindingEntry:
    expires = item.get("expires")
    if expires is not None and not (isinstance(expires, str) and _DATE.match(expires)):
        raise ValueError(f"finding {item.get('id')}: 'expires' must be a date like 2026-06-30")
    return FindingEntry(
        id=str(item["id"]),
        rule=str(item["rule"]),
        template=str(item["template"]),
        locator=str(item["locator"]),
        outcome=Outcome(item.get("outcome", "violation")).value,
        impact=item.get("impact"),
        page=str(item.get("page", "")),
        expires=expires,
        note=item.get("note"),
    )


def _interaction_entry(item: Mapping[str, Any]) -> InteractionEntry:
    cls = item.get("class")
    return InteractionEntry(
        id=str(item["id"]),
        kind=str(item["kind"]),
        template=str(item["template"]),
        target=str(item.get("target", "")),
        label=str(item.get("label", "")),
        cls=InteractionClass(cls).value if cls else None,
        page=str(item.get("page", "")),
    )


def carry_annotations(old: Baseline, new: Baseline) -> Baseline:
    """``new`` with the ``expires`` and ``note`` of ``old``'s entries that are still there."""
    kept = {e.id: e for e in old.findings if e.expires or e.note}
    findings = tuple(
        replace(e, expires=kept[e.id].expires, note=kept[e.id].note) if e.id in kept else e
        for e in new.findings
    )
    return replace(new, findings=findings)
