"""Every check family, in the order the pipeline runs them on each page.

Importing this module imports each family's checks, so every registration is in place
before a pack is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dcaudit.checks.exclusion import EXCLUSION
from dcaudit.checks.protocol import CheckFamily, LoadedFamily
from dcaudit.checks.security import SECURITY
from dcaudit.checks.static_a11y import STATIC_A11Y
from dcaudit.engine.packs import RulePack

FAMILIES: tuple[CheckFamily[Any, Any], ...] = (STATIC_A11Y, EXCLUSION, SECURITY)


def load_families(packs: Sequence[RulePack]) -> list[LoadedFamily[Any]]:
    """Every family with its packs compiled once (a malformed pack raises RulePackError)."""
    return [LoadedFamily(family, family.load(packs)) for family in FAMILIES]
