"""What a browser pass interrupted part-way leaves for its resume: the pages it already did
(checked, or failed with a reason), axe-core's version and its help text for each rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dcaudit.errors import CheckError
from dcaudit.models import Page
from dcaudit.store import Store

BROWSER_RULE = "dcaudit/browser"  # the error finding of a page the browser could not check


@dataclass
class BrowserSeen:
    """What the browser pass has learnt, kept when it is interrupted (in the run's tool)."""

    axe_version: str | None = None
    rule_help: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_tool(cls, tool: Mapping[str, Any]) -> BrowserSeen:
        return cls(tool.get("axe_core"), dict(tool.get("axe_rules") or {}))


def checked_before(store: Store, run_id: str, pages: Mapping[str, Page]) -> dict[str, str | None]:
    """Pages the browser pass already did: url -> None when checked, else why it could not
    be (the reason its error finding gives)."""
    done: dict[str, str | None] = {url: None for url, p in pages.items() if p.browser_checked}
    for finding in store.findings(run_id):
        if finding.rule == BROWSER_RULE and finding.page not in done:
            done[finding.page] = finding.message.partition(f"{CheckError.__name__}: ")[2]
    return done


__all__ = ["BROWSER_RULE", "BrowserSeen", "checked_before"]
