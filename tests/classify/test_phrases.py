"""The phrase index: whole words, case and accents, inflection, wildcards."""

from __future__ import annotations

import pytest

from dcaudit.engine.phrases import PhraseIndex
from dcaudit.engine.text import tokenize

SUFFIXES = ("s", "es", "ing")


def hits(phrases: list[str], text: str, inflect: bool = True) -> bool:
    index = PhraseIndex()
    set_id = index.add(phrases, SUFFIXES, inflect)
    return set_id in index.scan(tokenize(text)[0])


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("form", "Application form (PDF)", True),
        ("form", "Platform 2 and reform plans", False),
        ("report a", "Report a pothole", True),
        ("report a", "Annual report 2025", False),
        ("apply for", "APPLYING FOR a permit", True),
        ("apply for", "applied for", False),  # no past tenses: they describe, they do not ask
        ("cysylltu â ni", "Cysylltu a ni", True),
        ("lawrlwytho'r ffurflen", "Lawrlwytho’r ffurflen (PDF)", True),
        ("consult*", "Consultations open now", True),
        ("report anti*", "report anti-social behaviour", True),
        ("o fewn ... diwrnod gwaith", "o fewn 10 diwrnod gwaith", True),
        ("o fewn ... diwrnod gwaith", "o fewn diwrnod gwaith", False),
    ],
)
def test_phrases_match_whole_words_case_and_accent_insensitive(
    phrase: str, text: str, expected: bool
) -> None:
    assert hits([phrase], text) is expected


def test_phrases_inflection_can_be_turned_off_and_spares_short_words() -> None:
    assert hits(["vote"], "votes") is True
    assert hits(["vote"], "votes", inflect=False) is False
    assert hits(["a"], "as") is False


def test_phrases_scan_reports_every_set_once() -> None:
    index = PhraseIndex()
    first = index.add(["have your say"], SUFFIXES)
    second = index.add(["say"], SUFFIXES)
    found = index.scan(tokenize("Have your say: say it now")[0])
    assert found == {first: (0, 3), second: (2, 3)}


@pytest.mark.parametrize("bad", ["", "... your say", "ab*", "!!!"])
def test_phrases_reject_malformed_phrases(bad: str) -> None:
    with pytest.raises(ValueError):
        PhraseIndex().add([bad], SUFFIXES)
