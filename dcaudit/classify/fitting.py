"""``dcaudit rules train`` and ``dcaudit rules eval``: fit the decision's weights on the
labelled real corpus (plus the fictional corpus), write them as versioned data with their
provenance, and score them by leave-one-source-out cross-validation."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dcaudit.classify.corpus import LABELS_DIR, load_corpus, load_labels
from dcaudit.classify.evaluate import (
    Outcome,
    field_shape_decider,
    leave_one_source_out,
    recall_precision,
)
from dcaudit.classify.model import WEIGHTS_FILE, LinearModel
from dcaudit.classify.rules import load_classification_rules
from dcaudit.classify.samples import (
    LabelledSite,
    PageSample,
    demo_samples,
    fictional_samples,
    labelled,
    real_samples,
)
from dcaudit.classify.train import DEFAULT_FIT, FitSettings, fit_all
from dcaudit.engine.packs import load_packs
from dcaudit.errors import ConfigError
from dcaudit.models import InteractionClass

__all__ = ["LABELS_DIR", "WEIGHTS_PATH", "evaluate", "load_dataset", "render_outcome", "train"]

REPOSITORY = Path(__file__).resolve().parent.parent.parent
FICTIONAL_DIR = REPOSITORY / "tests" / "classify" / "corpus"
WEIGHTS_PATH = REPOSITORY / "rules" / "classify-core" / WEIGHTS_FILE
REVIEW_MARGIN = 0.5  # top two class probabilities closer than this: needs review


@dataclass
class Dataset:
    real: list[PageSample]
    fictional: list[PageSample]  # the project's fictional corpus (tests/classify/corpus)
    demo: list[PageSample]  # the bundled demo site
    labels_digest: str
    sources: int


def load_dataset(
    corpus: Path,
    demo: LabelledSite,
    labels_dir: Path = LABELS_DIR,
    fictional: Path = FICTIONAL_DIR,
) -> Dataset:
    if not labels_dir.is_dir():
        raise ConfigError(f"{labels_dir}: no labels folder (labels/real in the repository)")
    labels = load_labels(labels_dir)
    pages = [p for p in load_corpus(corpus) if p.page in labels]
    if not pages:
        raise ConfigError(f"{corpus}: none of its pages has a label in {labels_dir}")
    rules = load_classification_rules(load_packs())  # signals do not read the weights
    digest = hashlib.sha256()
    for path in sorted(labels_dir.glob("*.yaml")):
        digest.update(path.read_bytes())
    extra = fictional_samples(fictional, rules) if fictional.is_dir() else []
    return Dataset(
        real_samples(pages, labels, rules),
        extra,
        demo_samples(demo, rules),
        digest.hexdigest(),
        len({p.source for p in pages}),
    )


def _weights_document(
    models: dict[str, LinearModel], data: Dataset, settings: FitSettings
) -> dict[str, Any]:
    samples = [*labelled(data.real), *labelled(data.fictional), *labelled(data.demo)]
    counts: dict[str, int] = {}
    for sample in samples:
        counts[sample.model] = counts.get(sample.model, 0) + 1
    return {
        "version": dt.date.today().isoformat(),
        "review_margin": REVIEW_MARGIN,
        "provenance": {
            "fitted_by": "dcaudit rules train",
            "real_pages": len(data.real),
            "real_sources": data.sources,
            "fictional_pages": len(data.fictional),
            "demo_pages": len(data.demo),
            "labels_sha256": data.labels_digest,
            "labelled_samples": counts,
            "fit": settings.describe(),
            "scored_by": "dcaudit rules eval (leave one source out); docs/method.md",
        },
        "models": {
            name: {
                "classes": [c.value for c in model.classes],
                "weights": {k: list(v) for k, v in sorted(model.weights.items())},
            }
            for name, model in sorted(models.items())
        },
    }


def train(
    corpus: Path,
    demo: LabelledSite,
    out: Path = WEIGHTS_PATH,
    labels_dir: Path = LABELS_DIR,
    settings: FitSettings = DEFAULT_FIT,
) -> str:
    """Fit on every labelled page and write the weights file; returns a one-line summary."""
    data = load_dataset(corpus, demo, labels_dir)
    samples = [s for page in (*data.real, *data.fictional, *data.demo) for s in page.samples]
    models = fit_all(samples, settings)
    document = _weights_document(models, data, settings)
    header = (
        "# Fitted weights of the classification decision (dcaudit.classify.model).\n"
        "# Written by `dcaudit rules train CORPUS`; do not edit by hand. docs/method.md\n"
        "# explains the signals, the fit and what the probabilities mean.\n"
    )
    out.write_text(
        header + yaml.safe_dump(document, sort_keys=False, width=100, default_flow_style=None),
        "utf-8",
    )
    sizes = ", ".join(f"{n} {len(m.weights)} signals" for n, m in sorted(models.items()))
    return f"wrote {out.name}: {sizes}; from {len(data.real)} real pages in {data.sources} sources"


def evaluate(
    corpus: Path,
    demo: LabelledSite,
    labels_dir: Path = LABELS_DIR,
    settings: FitSettings = DEFAULT_FIT,
    mistakes: bool = False,
) -> str:
    """Leave-one-source-out scores, the naive baseline and the fictional corpus, as text;
    with ``mistakes``, every labelled interaction of the real pages decided otherwise."""
    data = load_dataset(corpus, demo, labels_dir)
    own = [*data.fictional, *data.demo]
    held_out = leave_one_source_out(data.real, own, REVIEW_MARGIN, settings)
    baseline = Outcome()
    for page in data.real:
        baseline.add_page(page, field_shape_decider)
    fictional = leave_one_source_out(
        data.fictional, [*data.real, *data.demo], REVIEW_MARGIN, settings
    )
    return "\n".join(
        [
            f"Real corpus: {len(data.real)} pages, {data.sources} sources, "
            "each scored by weights fitted without it (leave one source out)",
            render_outcome(held_out),
            "",
            "Naive field-shape baseline on the same forms and pages:",
            f"  forms macro-F1 {baseline.macro_f1():.2f}; "
            f"two-way pages {baseline.page_accuracy():.2f}",
            "",
            f"Fictional corpus ({len(data.fictional)} pages), "
            "fitted on the real pages and the demo:",
            f"  forms macro-F1 {fictional.macro_f1():.2f}; "
            f"two-way pages {fictional.page_accuracy():.2f}",
            *(_mistakes(held_out) if mistakes else ()),
        ]
    )


def _mistakes(outcome: Outcome) -> list[str]:
    """The held-out mistakes on the real pages, one a line, grouped by kind and page."""
    found = sorted(
        outcome.mistakes,
        key=lambda m: (m.sample.interaction.kind.value, m.sample.page, m.sample.interaction.id),
    )
    return ["", f"Mistakes on the real pages, each source held out ({len(found)}):"] + [
        m.render() for m in found
    ]


def render_outcome(outcome: Outcome) -> str:
    lines = ["  forms            precision  recall  F1     labelled"]
    for cls, (precision, recall, f1, n) in outcome.per_class().items():
        lines.append(f"  {cls.value:16} {precision:9.2f}  {recall:6.2f}  {f1:5.2f}  {n:8d}")
    frequent = [f1 for _, _, f1, n in outcome.per_class().values() if n >= 10]
    lines.append(f"  macro-F1 {outcome.macro_f1():.2f} over classes with labelled forms")
    if frequent:
        lines.append(
            f"  macro-F1 {sum(frequent) / len(frequent):.2f} over classes with >= 10 labelled forms"
        )
    lines.append("  confusion (labelled -> decided):")
    classes = [c for c in InteractionClass]
    confusion = outcome.confusion()
    short = {c: c.value[:6] for c in classes}
    lines.append("    " + " " * 14 + " ".join(f"{short[c]:>6}" for c in classes))
    for expected in classes:
        row = [confusion[(expected, p)] for p in classes]
        if any(row):
            lines.append(f"    {expected.value:14}" + " ".join(f"{n:6d}" for n in row))
    doc = recall_precision(outcome.documents)
    contact = recall_precision(outcome.contacts)
    lines += [
        f"  two-way pages: accuracy {outcome.page_accuracy():.2f} ({len(outcome.pages)} pages)",
        f"  application documents: recall {doc[0]:.2f}, precision {doc[1]:.2f} "
        f"({doc[2]} labelled, {doc[3]} decided)",
        f"  contact routes as digital layer: recall {contact[0]:.2f}, precision {contact[1]:.2f} "
        f"({contact[2]} labelled, {contact[3]} decided)",
        f"  flagged needs_review: {outcome.review_share():.1%} of {outcome.decided} decisions; "
        f"{outcome.wrong_forms_flagged} of the {outcome.wrong_forms()} wrongly classed forms",
    ]
    return "\n".join(lines)
