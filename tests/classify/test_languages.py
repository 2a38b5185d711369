"""Languages are data: a new phrase pack (German here) works without code; the page's lang
attribute and its words pick the packs that count in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcaudit.classify.decision import classify
from dcaudit.classify.rules import ClassificationRules, load_classification_rules
from dcaudit.engine.packs import load_packs
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import InteractionClass
from dcaudit.parse.document import parse_html

GERMAN_PACK = {
    "pack.yaml": """name: classify-de
version: 0.1.0
description: Deutsche Formulierungen (test pack)
kind: classify
language: de
data: [language.yaml]
""",
    "language.yaml": """suffixes: [en, n, e]
stopwords: [der, die, das, und, ist, nicht, mit, für, sie, ihr, ihre, auf, von, zu, wir]
""",
    "DCC901.yaml": """id: DCC901
slug: antrag-stellen
title: Einen Antrag stellen
since: 0.1.0
status: stable
kind: classify
applies_to: [form, link]
match:
  phrase: [antrag stellen, beantragen, online beantragen]
result:
  signal: individual
weight: 0.9
message: Ein Antrag für die Bürgerin oder den Bürger selbst.
help: |
  What it checks: "Antrag stellen", "beantragen". Why it matters: an individual service.
  Example: "Bewohnerparkausweis online beantragen". References: docs/method.md.
""",
    "DCC902.yaml": """id: DCC902
slug: buergerbeteiligung
title: Bürgerbeteiligung
since: 0.1.0
status: stable
kind: classify
applies_to: [form, link, embed]
match:
  phrase: [bürgerbeteiligung, beteiligen sie sich, ihre meinung]
result:
  signal: collective
  participation: consult
weight: 0.85
message: Beteiligung an einem gemeinsamen Thema.
help: |
  What it checks: "Bürgerbeteiligung", "Ihre Meinung". Why it matters: collective input.
  Example: "Beteiligen Sie sich am Radverkehrsplan". References: IAP2.
""",
}


@pytest.fixture(scope="module")
def with_german(tmp_path_factory: pytest.TempPathFactory) -> ClassificationRules:
    folder: Path = tmp_path_factory.mktemp("packs") / "classify-de"
    folder.mkdir()
    for name, text in GERMAN_PACK.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_classification_rules(load_packs([folder.parent]))


GERMAN_PAGE = """<!DOCTYPE html><html{lang}><head><title>Parken</title></head><body><main>
<h1>Bewohnerparkausweis</h1><p>Hier können Sie den Ausweis für Ihr Auto beantragen. Wir prüfen
den Antrag und die Unterlagen und Sie erhalten eine Nachricht von uns.</p>
<p><a href="https://service.example-stadt.de/parkausweis">
Bewohnerparkausweis online beantragen</a></p>
<p><a href="https://beteiligung.example-stadt.de/radplan">
Bürgerbeteiligung zum Radverkehrsplan</a></p>
</main></body></html>"""


def run(rules: ClassificationRules, html: str, url: str = "https://www.example-stadt.de/parken"):
    parsed = parse_html(url, html)
    return parsed, classify(extract_interactions(parsed, rules=rules), parsed, rules)


def test_languages_new_pack_is_data_only(with_german: ClassificationRules) -> None:
    _, found = run(with_german, GERMAN_PAGE.format(lang=' lang="de"'))
    assert [i.interaction_class for i in found] == [
        InteractionClass.TRANSACTIONAL,
        InteractionClass.CONSULTATIVE,
    ]
    assert "DCC901" in {e.rule for e in found[0].evidence}
    assert "DCC902" in {e.rule for e in found[1].evidence}


def test_languages_without_the_pack_the_links_are_not_recognised(
    rules: ClassificationRules,
) -> None:
    _, found = run(rules, GERMAN_PAGE.format(lang=' lang="de"'))
    assert found == []


def test_languages_detected_from_text_when_lang_is_missing(
    with_german: ClassificationRules,
) -> None:
    parsed, found = run(with_german, GERMAN_PAGE.format(lang=""))
    assert with_german.page_context(parsed).languages == frozenset({"de"})
    assert found[0].interaction_class == InteractionClass.TRANSACTIONAL


def test_languages_welsh_detected_without_lang(rules: ClassificationRules) -> None:
    html = """<html><body><p>Mae'r ymgynghoriad hwn ar agor. Rydym am glywed eich barn ar y cynllun
    newydd gyda chi a'ch teulu. Bydd y cyngor yn ystyried pob ymateb sydd wedi dod i law.</p>
    <p><a href="https://ymgynghori.example.cymru/cynllun">Dweud eich dweud</a></p></body></html>"""
    parsed, found = run(rules, html, "https://www.example.cymru/ymgynghoriad")
    assert "cy" in rules.page_context(parsed).languages
    assert [i.interaction_class for i in found] == [InteractionClass.CONSULTATIVE]


def test_languages_other_language_phrases_count_at_a_discount(rules: ClassificationRules) -> None:
    link = '<p><a href="https://consult.example.org/x">Have your say</a></p>'
    _, english = run(rules, f'<html lang="en"><body>{link}</body></html>')
    _, welsh = run(rules, f'<html lang="cy"><body>{link}</body></html>')

    def score(found):
        evidence = next(e for e in found[0].evidence if e.rule == "DCC113")
        return float(evidence.reason.rsplit("(", 1)[1].rstrip(")"))

    assert score(welsh) == pytest.approx(score(english) * rules.settings.other_language_weight)
    assert welsh[0].interaction_class == InteractionClass.CONSULTATIVE
