"""Static accessibility checks: WCAG failures decidable from the HTML alone, on every page.

The family and its page view are in a11y_family.py, the checks in a11y_content.py and
a11y_structure.py (importing this module registers them all). ``load_static_rules``
compiles the pack once; ``check_static`` runs every rule on one parsed page and returns
Findings; ``failing_elements`` gives one rule's hits (for the ACT benchmark).
"""

from __future__ import annotations

from collections.abc import Sequence

from dcaudit.checks import a11y_content, a11y_structure
from dcaudit.checks.a11y_family import STATIC_A11Y, A11yPage, StaticRule, StaticRules
from dcaudit.checks.protocol import Check, Hit
from dcaudit.checks.records import PageRecord
from dcaudit.engine.packs import RulePack
from dcaudit.models import Finding, Interaction, Page
from dcaudit.parse.document import ParsedPage

CHECK_MODULES = (a11y_content, a11y_structure)  # imported for their registrations
EVALUATORS: dict[str, Check[A11yPage]] = STATIC_A11Y.checks
run_example = STATIC_A11Y.run_example  # for ``dcaudit rules test``


def load_static_rules(packs: Sequence[RulePack]) -> StaticRules:
    """Compile every ``a11y`` pack once: metadata, selectors and vocabularies."""
    return STATIC_A11Y.load(packs)


def check_static(
    parsed: ParsedPage, page: Page, interactions: Sequence[Interaction], rules: StaticRules
) -> list[Finding]:
    """Run every static rule on one page; failures are linked to the enclosing interaction."""
    return STATIC_A11Y.run(PageRecord(parsed, page, interactions), rules)


def failing_elements(parsed: ParsedPage, rule_id: str, rules: StaticRules) -> list[Hit]:
    """Hits of one rule on one page (for the ACT benchmark and debugging)."""
    return STATIC_A11Y.hits(PageRecord.of(parsed), rules, rule_id)


__all__ = [
    "EVALUATORS",
    "STATIC_A11Y",
    "A11yPage",
    "Hit",
    "StaticRule",
    "StaticRules",
    "check_static",
    "failing_elements",
    "load_static_rules",
    "run_example",
]
