"""A malformed rule file fails at load, naming the file, the rule and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dcaudit.checks.exclusion import load_exclusion_rules
from dcaudit.classify.rules import load_classification_rules
from dcaudit.engine.packs import builtin_rules_dir, load_pack, load_packs
from dcaudit.errors import RulePackError

from_good = """id: DCC950
slug: bad-rule
title: A rule with a problem
since: 0.1.0
status: stable
kind: classify
applies_to: [link]
match:
  phrase: [have your say]
result:
  signal: collective
weight: 0.8
message: A rule.
help: |
  What it checks: x. Why it matters: y. Example: z. References: none.
"""


def broken(old: str, new: str) -> str:
    assert old in from_good
    return from_good.replace(old, new)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (broken("signal: collective", "signal: vibes"), "result.signal 'vibes' is not one of"),
        (broken("weight: 0.8", "weight: 3"), "'weight' must be a number"),
        (broken("kind: classify", "kind: a11y"), "'kind' must be 'classify'"),
        (broken("  phrase: [have your say]", "  smell: [roses]"), "unknown matcher 'smell'"),
        (broken("  phrase: [have your say]", "  url: '(('"), "not a valid regular expression"),
        (broken("message: A rule.", "message: ''"), "'message' is required"),
        (broken("applies_to: [link]", "applies_to: [carrier_pigeon]"), "'applies_to' must list"),
        (
            broken(
                "result:\n  signal: collective",
                "result:\n  signal: collective\n  four_cos: [co_dancing]",
            ),
            "four_cos",
        ),
        (broken("  phrase: [have your say]", "  phrase: ['... your say']"), "must not start with"),
        (broken("match:\n  phrase: [have your say]\n", ""), "'match' is required"),
        (broken("slug: bad-rule\n", ""), "'slug' is required"),
        (broken("title: A rule with a problem", "title: [unclosed"), "not valid YAML"),
    ],
    ids=[
        "unknown-signal",
        "weight-range",
        "kind-mismatch",
        "unknown-matcher",
        "bad-regex",
        "empty-message",
        "unknown-kind",
        "unknown-co",
        "bad-phrase",
        "no-match",
        "no-slug",
        "bad-yaml",
    ],
)
def test_pack_errors_name_file_rule_and_problem(write_pack, text: str, problem: str) -> None:
    folder = write_pack({"DCC950.yaml": text}, extra="language: en\n")
    with pytest.raises(RulePackError) as caught:
        load_classification_rules(load_packs([folder]))
    message = str(caught.value)
    assert problem in message
    assert "DCC950" in message and "DCC950.yaml" in message
    assert caught.value.rule_id == "DCC950"


def test_pack_errors_duplicate_ids_across_packs(write_pack) -> None:
    folder = write_pack({"DCC113.yaml": from_good.replace("DCC950", "DCC113")})
    with pytest.raises(RulePackError, match="duplicate rule id"):
        load_packs([folder])


def test_pack_errors_bad_platform_catalogue(write_pack) -> None:
    folder = write_pack(
        {
            "platforms.yaml": (
                "categories: {survey: {}}\n"
                "platforms:\n  - {name: X, category: chat, hosts: [x.example]}\n"
            )
        },
        name="more-platforms",
        kind="platforms",
        extra="data: [platforms.yaml]\n",
    )
    with pytest.raises(RulePackError) as caught:
        load_classification_rules(load_packs([folder]))
    assert "category 'chat' is not declared" in str(caught.value)
    assert "platforms.yaml" in str(caught.value)


def test_pack_errors_a_second_settings_file_is_refused(write_pack) -> None:
    folder = write_pack({"classify.yaml": "threshold: 0.4\n"}, extra="data: [classify.yaml]\n")
    with pytest.raises(RulePackError, match="exactly one classify pack"):
        load_classification_rules(load_packs([folder]))


@pytest.mark.parametrize("value", ["lots", "true", "[1, 2]"])
def test_a_check_option_that_is_not_a_number_fails_at_load(tmp_path: Path, value: str) -> None:
    folder = tmp_path / "exclusion"
    shutil.copytree(builtin_rules_dir() / "exclusion", folder)
    rule = folder / "DCX006.yaml"
    text = rule.read_text(encoding="utf-8")
    assert "  requests_review: 75\n" in text
    rule.write_text(text.replace("  requests_review: 75\n", f"  requests_review: {value}\n"))
    with pytest.raises(RulePackError) as caught:
        load_exclusion_rules([load_pack(folder)])
    assert "option 'requests_review' must be a number" in str(caught.value)
    assert caught.value.rule_id == "DCX006" and "DCX006.yaml" in str(caught.value)
