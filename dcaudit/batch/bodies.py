"""The list of bodies to audit: a CSV file with ``name`` and ``url`` columns, and any
grouping columns (``sector``, ``region``, ``country`` ...), which are kept as they are."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dcaudit.crawl.frontier import seed_problem
from dcaudit.errors import ConfigError

REQUIRED = ("name", "url")


@dataclass(frozen=True)
class Body:
    name: str
    url: str
    groups: dict[str, str] = field(default_factory=dict)  # the extra columns, in file order


def read_bodies(path: Path) -> tuple[list[Body], list[str]]:
    """The bodies and the names of the grouping columns; ConfigError in one line naming
    the file and line for anything that cannot be audited."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ConfigError(f"bodies file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read bodies file {path}: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    columns = [(c or "").strip() for c in reader.fieldnames or ()]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ConfigError(
            f"{path}: missing column(s) {', '.join(missing)}: the first line must name the "
            "columns, with at least name,url"
        )
    extra = [c for c in columns if c and c not in REQUIRED]
    bodies: list[Body] = []
    seen: dict[str, int] = {}
    try:
        for line, row in enumerate(reader, start=2):
            values = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
            if not any(values.values()):
                continue  # a blank line
            body = _body(path, line, values, extra)
            if body.name in seen:
                raise ConfigError(
                    f"{path} line {line}: body {body.name!r} is also on line {seen[body.name]}"
                )
            seen[body.name] = line
            bodies.append(body)
    except csv.Error as exc:
        raise ConfigError(f"{path}: not a valid CSV file: {exc}") from exc
    if not bodies:
        raise ConfigError(f"{path}: no bodies listed (one row per body: name,url)")
    return bodies, extra


def _body(path: Path, line: int, values: dict[str, str], extra: list[str]) -> Body:
    name, url = values.get("name", ""), values.get("url", "")
    if not name:
        raise ConfigError(f"{path} line {line}: the body has no name")
    problem = seed_problem(url) if url else "it is empty"
    if problem is None and urlsplit(url).port == 0:
        problem = "port 0 cannot be connected to"
    if problem is not None:
        raise ConfigError(f"{path} line {line}: bad URL for {name!r}: {url!r}: {problem}")
    return Body(name=name, url=url, groups={c: values.get(c, "") for c in extra})
