"""What a browser pass interrupted part-way leaves for its resume: axe-core's version and
its help text for each rule, and the rule of the error finding that marks a page the browser
could not check (the pages it already did are read back from the store by
:func:`dcaudit.stages.browser_findings.checked_before`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

BROWSER_RULE = "dcaudit/browser"  # the error finding of a page the browser could not check


@dataclass
class BrowserSeen:
    """What the browser pass has learnt, kept when it is interrupted (in the run's tool)."""

    axe_version: str | None = None
    rule_help: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_tool(cls, tool: Mapping[str, Any]) -> BrowserSeen:
        return cls(tool.get("axe_core"), dict(tool.get("axe_rules") or {}))


__all__ = ["BROWSER_RULE", "BrowserSeen"]
