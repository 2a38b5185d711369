"""Shared fixtures for the check tests: compiled rule packs (built once per session)."""

from __future__ import annotations

import pytest

from dcaudit.checks.exclusion import ExclusionRules, load_exclusion_rules
from dcaudit.checks.security import SecurityRules, load_security_rules
from dcaudit.checks.static_a11y import StaticRules, load_static_rules
from dcaudit.engine.packs import RulePack, builtin_rules_dir, load_pack
from dcaudit.models import Page
from dcaudit.score import Weights, load_weights

# Only the packs these checks own: another pack being edited must not break these tests.
OWN_PACKS = ("static-a11y", "exclusion", "security", "scoring")


def own_packs() -> list[RulePack]:
    return [load_pack(builtin_rules_dir() / name) for name in OWN_PACKS]


@pytest.fixture(scope="session")
def packs() -> list[RulePack]:
    return own_packs()


@pytest.fixture(scope="session")
def static_rules(packs: list[RulePack]) -> StaticRules:
    return load_static_rules(packs)


@pytest.fixture(scope="session")
def exclusion_rules(packs: list[RulePack]) -> ExclusionRules:
    return load_exclusion_rules(packs)


@pytest.fixture(scope="session")
def security_rules(packs: list[RulePack]) -> SecurityRules:
    return load_security_rules(packs)


@pytest.fixture(scope="session")
def weights(packs: list[RulePack]) -> Weights:
    return load_weights(packs)


def make_page(url: str = "https://council.example/apply", **changes: object) -> Page:
    values: dict[str, object] = {
        "url": url,
        "final_url": url,
        "status": 200,
        "content_type": "text/html",
        "bytes": 1000,
        "depth": 1,
    }
    values.update(changes)
    return Page(**values)  # type: ignore[arg-type]
