"""The check protocol: every family registers, loads, runs and runs its examples one way."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dcaudit import pipeline
from dcaudit.checks.examples import example_records
from dcaudit.checks.families import FAMILIES, load_families
from dcaudit.checks.protocol import CheckFamily
from dcaudit.checks.records import PageRecord
from dcaudit.checks.security import SECURITY
from dcaudit.config import Settings
from dcaudit.crawl.frontier import Scope
from dcaudit.engine.packs import Example, RulePack, builtin_rules_dir, load_pack
from dcaudit.errors import RulePackError
from dcaudit.models import Outcome, Source
from dcaudit.parse.document import parse_html

from .conftest import make_page

URL = "https://council.example/apply"
PAGE = (
    '<html lang="en"><head><title>Apply</title></head><body><h1>Apply</h1>'
    '<form id="apply" action="http://council.example/a" method="post"><input name="n"></form>'
    "</body></html>"
)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_every_registered_check_has_a_rule_in_its_pack(family: CheckFamily[Any, Any]) -> None:
    pack = load_pack(builtin_rules_dir() / family.name)
    assert pack.kind == family.kind
    rule_ids = {rule.id for rule in pack.rules}
    assert set(family.checks) <= rule_ids
    assert set(family.checks) | family.site_rules == rule_ids


def test_a_rule_without_a_registered_check_stops_loading(packs: list[RulePack]) -> None:
    security = next(p for p in packs if p.kind == "security")
    orphan = replace(security.rules[0], id="DCS999")
    changed = replace(security, rules=(*security.rules, orphan))
    with pytest.raises(RulePackError, match="no check function is registered"):
        SECURITY.load([changed])


def test_families_share_one_record_and_its_locator(packs: list[RulePack]) -> None:
    record = PageRecord(parse_html(URL, PAGE), make_page(URL), ())
    for loaded in load_families(packs):
        loaded.run(record)
    assert record.locator is record.locator
    assert record.page.reading_grade is None  # measured by the exclusion family (too short)


def test_a_family_that_fails_becomes_an_error_finding_and_the_others_run(
    monkeypatch: pytest.MonkeyPatch, packs: list[RulePack]
) -> None:
    def explode(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("boom")

    settings = Settings()
    monkeypatch.setattr(pipeline, "load_packs", lambda *args, **kwargs: [*packs, *_classify()])
    checks = pipeline._Checks.load(settings)
    monkeypatch.setattr(SECURITY, "run", explode)
    analyser = pipeline._PageAnalyser(settings, checks, Scope.from_settings(settings, [URL]))
    findings = analyser(make_page(URL), parse_html(URL, PAGE)).findings
    errors = [(f.rule, f.source) for f in findings if f.outcome is Outcome.ERROR]
    assert errors == [("dcaudit/security", Source.SECURITY)]
    assert {Source.STATIC, Source.EXCLUSION} <= {f.source for f in findings}


def test_a_site_example_is_one_record_per_page() -> None:
    html = (
        "<body><textarea data-site>"
        '<html data-url="https://example.test/a"><body>A</body></html>'
        '<html data-url="https://example.test/b"><body>B</body></html>'
        "</textarea></body>"
    )
    parsed = parse_html("https://example.test/examples", html)
    element = next(parsed.root.iter("textarea"))
    records, target = example_records(Example("DCX001", True, element, 1), parsed)
    assert target is None
    assert [r.page.url for r in records] == ["https://example.test/a", "https://example.test/b"]


def _classify() -> list[RulePack]:
    names = ("classify-core", "classify-en", "classify-cy", "platforms", "documents")
    return [load_pack(builtin_rules_dir() / name) for name in names]
