"""Fixtures for extraction and classification tests: compiled built-in rules and a helper
that parses an HTML snippet as a page, extracts and classifies it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dcaudit.classify.decision import classify
from dcaudit.classify.rules import ClassificationRules, default_classification_rules
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import Interaction
from dcaudit.parse.document import ParsedPage, parse_html

PAGE_URL = "https://www.northtown.gov.uk/services/example"

PageFactory = Callable[..., ParsedPage]
Classifier = Callable[..., list[Interaction]]


@pytest.fixture(scope="session")
def rules() -> ClassificationRules:
    return default_classification_rules()


def wrap(body: str, lang: str = "en", title: str = "Example page") -> str:
    if "<html" in body:
        return body
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title></head>'
        f"<body>{body}</body></html>"
    )


@pytest.fixture
def page() -> PageFactory:
    """``page(body, url=..., lang=..., title=...)`` -> ParsedPage."""

    def make(
        body: str, url: str = PAGE_URL, lang: str = "en", title: str = "Example page"
    ) -> ParsedPage:
        return parse_html(url, wrap(body, lang, title))

    return make


@pytest.fixture
def extracted(page: PageFactory, rules: ClassificationRules) -> Classifier:
    """``extracted(body, ...)`` -> interactions (not classified)."""

    def run(body: str, **kwargs: str) -> list[Interaction]:
        return extract_interactions(page(body, **kwargs), rules=rules)

    return run


@pytest.fixture
def classified(page: PageFactory, rules: ClassificationRules) -> Classifier:
    """``classified(body, ...)`` -> extracted and classified interactions."""

    def run(body: str, **kwargs: str) -> list[Interaction]:
        parsed = page(body, **kwargs)
        return classify(extract_interactions(parsed, rules=rules), parsed, rules)

    return run


def _only(interactions: list[Interaction]) -> Interaction:
    assert len(interactions) == 1, [(i.kind, i.label, i.target) for i in interactions]
    return interactions[0]


@pytest.fixture
def only() -> Callable[[list[Interaction]], Interaction]:
    """``only(interactions)`` -> the single interaction (fails listing them otherwise)."""
    return _only
