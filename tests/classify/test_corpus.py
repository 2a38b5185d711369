"""Accuracy on the labelled corpus (tests/classify/corpus): per-class precision and recall.

Run with ``pytest -s`` to see the confusion matrix; a failure shows it too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dcaudit.classify.decision import classify
from dcaudit.classify.rules import ClassificationRules
from dcaudit.engine.accuracy import Comparison, compare, load_ground_truth
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import Interaction, InteractionClass
from dcaudit.parse.document import parse_html

CORPUS = Path(__file__).parent / "corpus"
MIN_SCORE = 0.9


def corpus_pages(rules: ClassificationRules) -> dict[str, list[Interaction]]:
    """Page key ("/<host>/<path>") -> classified interactions; the folder names the host."""
    pages = {}
    for path in sorted(CORPUS.rglob("*.html")):
        relative = path.relative_to(CORPUS).as_posix()
        host, _, rest = relative.partition("/")
        parsed = parse_html(f"https://{host}/{rest}", path.read_text(encoding="utf-8"))
        pages[f"/{relative}"] = classify(extract_interactions(parsed, rules=rules), parsed, rules)
    return pages


@pytest.fixture(scope="module")
def comparison(rules: ClassificationRules) -> Comparison:
    result = compare(load_ground_truth(CORPUS / "labels.yaml"), corpus_pages(rules))
    print("\nClassification corpus\n" + result.render())
    return result


def test_corpus_is_big_and_varied_enough() -> None:
    entries = load_ground_truth(CORPUS / "labels.yaml")
    pages = list(CORPUS.rglob("*.html"))
    assert len(pages) >= 40
    assert len(entries) >= 100
    assert {e.cls for e in entries} == set(InteractionClass)
    assert len({p.relative_to(CORPUS).parts[0] for p in pages}) >= 8  # organisations
    welsh = [p for p in pages if 'lang="cy"' in p.read_text(encoding="utf-8")]
    assert len(welsh) >= 5


def test_corpus_every_label_and_interaction_pair_up(comparison: Comparison) -> None:
    problems = [m for m in comparison.report_problems().splitlines() if "expected" not in m]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("cls", [c.value for c in InteractionClass])
def test_corpus_precision_and_recall_per_class(comparison: Comparison, cls: str) -> None:
    precision, recall, support = comparison.scores()[cls]
    assert support > 0
    assert precision >= MIN_SCORE and recall >= MIN_SCORE, (
        f"{cls}: precision {precision:.2f}, recall {recall:.2f}\n"
        + comparison.render()
        + "\n"
        + comparison.report_problems()
    )


def test_corpus_four_cos_participation_and_loop_mostly_agree(comparison: Comparison) -> None:
    assert comparison.four_cos_agreement() >= 0.85, comparison.report_problems()
    assert comparison.participation_agreement() >= 0.85
    assert comparison.closes_loop_agreement() >= 0.85


def test_corpus_false_positive_tags_are_set(comparison: Comparison) -> None:
    tags = ("site_feedback", "job_application", "foi", "login", "closed", "search")
    assert not comparison.missing_tags(tags), comparison.missing_tags(tags)
