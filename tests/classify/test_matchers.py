"""Each matcher on its own, compiled from YAML-shaped rules."""

from __future__ import annotations

from typing import Any

import pytest

from dcaudit.classify.matchers import CompileContext, compile_match
from dcaudit.classify.rules import ClassificationRules
from dcaudit.engine.phrases import PhraseIndex
from dcaudit.errors import RulePackError
from dcaudit.extract.interactions import extract_interactions, interaction_sources
from dcaudit.parse.document import ParsedPage


def fires(rules: ClassificationRules, match: dict[str, Any], parsed: ParsedPage) -> list[bool]:
    """Compile ``match`` and say, per interaction on the page, whether it matches."""
    context = CompileContext(
        phrases=rules.phrases,
        page_phrases=rules.page_phrases,
        platforms=rules.platforms,
        documents=rules.documents,
        field_weights=rules.settings.field_weights,
        default_fields=rules.settings.default_fields,
        language="en",
        suffixes=("s", "ing"),
        other_language_weight=0.8,
        path="test.yaml",
        rule_id="TST001",
    )
    matcher = compile_match(match, context)
    page_context = rules.page_context(parsed)
    sources = interaction_sources(parsed).by_id
    return [
        matcher.evaluate(rules.subject(i, sources[i.id], page_context)) is not None
        for i in extract_interactions(parsed, rules=rules, keep_all_links=True)
    ]


@pytest.fixture
def fresh_rules(rules: ClassificationRules) -> ClassificationRules:
    # each test compiles extra phrase sets: keep them out of the session-wide index
    clone = ClassificationRules(
        rules.rules,
        PhraseIndex(),
        PhraseIndex(),
        rules.platforms,
        rules.documents,
        rules.settings,
        rules.languages,
    )
    return clone


LINKS = """
<section><h2>Plans</h2><p><a href="https://consult.example.org/plan">Have your say</a></p></section>
<section><h2>Tax</h2><p><a href="https://pay.example.org/tax">Pay council tax</a></p></section>"""


def test_matchers_phrase_reads_the_named_fields(fresh_rules, page) -> None:
    parsed = page(LINKS)
    assert fires(fresh_rules, {"phrase": ["have your say"]}, parsed) == [True, False]
    assert fires(
        fresh_rules, {"phrase": {"phrases": ["have your say"], "in": ["context"]}}, parsed
    ) == [
        True,
        False,
    ]
    assert fires(
        fresh_rules, {"phrase": {"phrases": ["have your say"], "in": ["title"]}}, parsed
    ) == [
        False,
        False,
    ]


def test_matchers_url_regex_and_glob(fresh_rules, page) -> None:
    parsed = page(LINKS)
    assert fires(fresh_rules, {"url": "^https://pay\\."}, parsed) == [False, True]
    assert fires(fresh_rules, {"url": {"glob": "*consult.example.org/*"}}, parsed) == [True, False]


def test_matchers_selector_scopes(fresh_rules, page) -> None:
    parsed = page(
        """<div class="banner"><form><button>OK</button></form></div>
        <form><div class="banner"><input name="q"></div></form>"""
    )
    assert fires(fresh_rules, {"selector": ".banner"}, parsed) == [True, False]
    assert fires(fresh_rules, {"selector": {"css": ".banner", "scope": "contains"}}, parsed) == [
        False,
        True,
    ]
    assert fires(fresh_rules, {"selector": {"css": "form", "scope": "self"}}, parsed) == [
        True,
        True,
    ]


def test_matchers_field_shape_constraints(fresh_rules, page) -> None:
    parsed = page(
        """<form method="post"><input type="email" name="e" aria-label="Email"></form>
        <form method="get"><input type="password" name="p"><input name="user"></form>
        <form method="post"><input type="radio" name="r" value="1">
        <input type="radio" name="r" value="2"><input type="radio" name="r" value="3">
        <textarea name="t"></textarea></form>"""
    )
    assert fires(fresh_rules, {"field_shape": {"method": "POST"}}, parsed) == [True, False, True]
    assert fires(
        fresh_rules, {"field_shape": {"types": {"email": 1}, "only_types": ["email"]}}, parsed
    ) == [
        True,
        False,
        False,
    ]
    assert fires(
        fresh_rules, {"field_shape": {"field_name": "^user$", "fields": {"max": 2}}}, parsed
    ) == [
        False,
        True,
        False,
    ]
    assert fires(fresh_rules, {"field_shape": {"numeric_scale": True}}, parsed) == [
        False,
        False,
        True,
    ]
    assert fires(fresh_rules, {"field_shape": {"radio_options": {"min": 3}}}, parsed) == [
        False,
        False,
        True,
    ]


def test_matchers_platform_and_document(fresh_rules, page) -> None:
    parsed = page(
        """<a href="https://www.smartsurvey.co.uk/s/x/">Survey</a>
        <a href="/docs/form.docx">Form</a><a href="/docs/data.csv">Data</a>"""
    )
    assert fires(fresh_rules, {"platform": ["survey"]}, parsed) == [True, False, False]
    assert fires(fresh_rules, {"platform": {"name": "smartsurvey"}}, parsed) == [True, False, False]
    assert fires(fresh_rules, {"document": {"editable": True}}, parsed) == [False, True, False]
    assert fires(fresh_rules, {"document": ["csv"]}, parsed) == [False, False, True]


def test_matchers_any_all_none(fresh_rules, page) -> None:
    parsed = page(LINKS)
    either = {"any": [{"url": "consult"}, {"url": "pay"}]}
    both = {"all": [{"url": "consult"}, {"phrase": ["have your say"]}]}
    neither = {"none": [{"url": "consult"}]}
    assert fires(fresh_rules, either, parsed) == [True, True]
    assert fires(fresh_rules, both, parsed) == [True, False]
    assert fires(fresh_rules, neither, parsed) == [False, True]


@pytest.mark.parametrize(
    ("match", "problem"),
    [
        ({"colour": "red"}, "unknown matcher 'colour'"),
        ({"any": []}, "non-empty list"),
        ({"url": "("}, "not a valid regular expression"),
        ({"selector": "a[["}, "invalid CSS selector"),
        ({"phrase": {"phrases": ["x"], "in": ["nowhere"]}}, "unknown field 'nowhere'"),
        ({"field_shape": {"method": "PUT"}}, "GET or POST"),
        ({"platform": ["teleport"]}, "unknown platform categories"),
        ({"document": ["scroll"]}, "unknown document types"),
    ],
)
def test_matchers_malformed_trees_name_the_problem(fresh_rules, page, match, problem) -> None:
    with pytest.raises(RulePackError) as caught:
        fires(fresh_rules, match, page(LINKS))
    assert problem in str(caught.value)
    assert "TST001" in str(caught.value) and "test.yaml" in str(caught.value)
