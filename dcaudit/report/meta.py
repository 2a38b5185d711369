"""Tool and version facts recorded on a run, in one normalised shape for every output."""

from __future__ import annotations

from typing import Any

from dcaudit.models import Run

TOOL_NAME = "dcaudit"
INFORMATION_URI = "https://pypi.org/project/dcaudit/"
SCHEMA_ID = "dcaudit/report/v1"


def tool_info(run: Run) -> dict[str, Any]:
    """``run.tool`` as the report contract's ``tool`` object.

    The pipeline records ``{"name", "version", "axe_core", "rule_packs"}``; rule packs may be
    a name -> version mapping or a list of ``{"name", "version"}``. Versions are the ones of
    the run, not of the dcaudit rendering it, so a re-rendered report states the same.
    """
    tool = run.tool
    return {
        "name": str(tool.get("name") or TOOL_NAME),
        "version": _text_or_none(tool.get("version")),
        "axe_core": _text_or_none(tool.get("axe_core")),
        "rule_packs": _rule_packs(tool.get("rule_packs")),
        "scoring_method": _text_or_none(tool.get("scoring_method")),
    }


def _rule_packs(raw: Any) -> list[dict[str, str | None]]:
    packs: list[dict[str, str | None]] = []
    if isinstance(raw, dict):
        packs = [{"name": str(k), "version": _text_or_none(v)} for k, v in raw.items()]
    elif isinstance(raw, list):
        packs = [
            {"name": str(p.get("name")), "version": _text_or_none(p.get("version"))}
            for p in raw
            if isinstance(p, dict) and p.get("name")
        ]
    return sorted(packs, key=lambda p: str(p["name"]))


def _text_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
