"""Scoring the decision on labelled pages: per-class precision, recall and F1 of forms, the
confusion table, two-way page accuracy, application-document and contact-route recall and
precision, and the share flagged for review; by leave-one-source-out cross-validation, so a
source's pages are never scored by weights fitted on them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dcaudit.classify.decision import hard_rule
from dcaudit.classify.model import LinearModel
from dcaudit.classify.samples import PageSample, Sample
from dcaudit.classify.train import DEFAULT_FIT, FitSettings, fit_all
from dcaudit.models import MODE_OF_CLASS, InteractionClass, Kind, Mode

Decide = Callable[[Sample], tuple[InteractionClass, bool]]  # (class, needs_review)


@dataclass(frozen=True)
class Mistake:
    """A labelled form, document or contact route decided otherwise."""

    sample: Sample
    decided: InteractionClass
    flagged: bool  # needs_review was set

    def render(self) -> str:
        i = self.sample.interaction
        assert self.sample.label is not None
        where = i.selector if i.kind == Kind.FORM else (i.target or "")
        name = " ".join((i.label or "").split())[:60]
        review = ", needs review" if self.flagged else ""
        return (
            f"  {i.kind.value:8} {self.sample.label.cls.value} -> {self.decided.value}{review}: "
            f"{self.sample.page} {where} '{name}'"
        )


@dataclass
class Outcome:
    """Predictions gathered over every scored page."""

    forms: list[tuple[Sample, InteractionClass]] = field(default_factory=list)
    documents: list[tuple[bool, bool]] = field(default_factory=list)  # (labelled, predicted)
    contacts: list[tuple[bool, bool]] = field(default_factory=list)
    pages: list[tuple[bool, bool]] = field(default_factory=list)  # two-way: (labelled, predicted)
    reviewed: int = 0
    decided: int = 0
    wrong_forms_flagged: int = 0  # wrongly classed forms that were flagged needs_review
    mistakes: list[Mistake] = field(default_factory=list)

    def add_page(self, page: PageSample, decide: Decide) -> None:
        predicted_two_way = False
        for sample in page.samples:
            cls, review = decide(sample)
            self.decided += 1
            self.reviewed += review
            kind = sample.interaction.kind
            if kind in (Kind.FORM, Kind.EMBED) and MODE_OF_CLASS[cls] == Mode.TWO_WAY:
                predicted_two_way = True
            if sample.label is None:
                continue
            layer = InteractionClass.DIGITAL_LAYER
            if kind == Kind.FORM:
                self.forms.append((sample, cls))
                wrong = not sample.label.accepts(cls)
                self.wrong_forms_flagged += review and wrong
            elif kind == Kind.DOCUMENT or (kind == Kind.CONTACT and sample.interaction.target):
                pair = (sample.label.cls == layer, cls == layer)  # (labelled, decided)
                (self.documents if kind == Kind.DOCUMENT else self.contacts).append(pair)
                wrong = pair[0] != pair[1]
            else:
                wrong = False
            if wrong:
                self.mistakes.append(Mistake(sample, cls, review))
        self.pages.append((page.two_way, predicted_two_way))

    def confusion(self) -> Counter[tuple[InteractionClass, InteractionClass]]:
        counts: Counter[tuple[InteractionClass, InteractionClass]] = Counter()
        for sample, predicted in self.forms:
            assert sample.label is not None
            expected = predicted if sample.label.accepts(predicted) else sample.label.cls
            counts[(expected, predicted)] += 1
        return counts

    def per_class(self) -> dict[InteractionClass, tuple[float, float, float, int]]:
        """Class -> (precision, recall, F1, labelled) over forms; an accepted runner-up is right."""
        confusion = self.confusion()
        scores = {}
        for cls in InteractionClass:
            tp = confusion[(cls, cls)]
            labelled = sum(n for (e, _), n in confusion.items() if e == cls)
            predicted = sum(n for (_, p), n in confusion.items() if p == cls)
            if not labelled and not predicted:
                continue
            precision = tp / predicted if predicted else 0.0
            recall = tp / labelled if labelled else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            scores[cls] = (precision, recall, f1, labelled)
        return scores

    def macro_f1(self) -> float:
        """Mean F1 over the classes that have labelled forms."""
        f1s = [f1 for _, _, f1, labelled in self.per_class().values() if labelled]
        return sum(f1s) / len(f1s) if f1s else 0.0

    def page_accuracy(self) -> float:
        return sum(a == b for a, b in self.pages) / len(self.pages) if self.pages else 0.0

    def wrong_forms(self) -> int:
        return sum(1 for s, c in self.forms if s.label is not None and not s.label.accepts(c))

    def review_share(self) -> float:
        return self.reviewed / self.decided if self.decided else 0.0


def cohen_kappa(pairs: list[tuple[str, str]]) -> float:
    """Agreement beyond chance: (observed - expected) / (1 - expected)."""
    if not pairs:
        return float("nan")
    observed = sum(a == b for a, b in pairs) / len(pairs)
    first = Counter(a for a, _ in pairs)
    second = Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first) / len(pairs) ** 2
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def recall_precision(pairs: Sequence[tuple[bool, bool]]) -> tuple[float, float, int, int]:
    """(recall, precision, labelled positives, predicted positives)."""
    tp = sum(1 for labelled, predicted in pairs if labelled and predicted)
    labelled = sum(1 for pair in pairs if pair[0])
    predicted = sum(1 for pair in pairs if pair[1])
    return (
        tp / labelled if labelled else 0.0,
        tp / predicted if predicted else 0.0,
        labelled,
        predicted,
    )


def model_decider(models: dict[str, LinearModel], margin: float) -> Decide:
    def decide(sample: Sample) -> tuple[InteractionClass, bool]:
        fixed = hard_rule(sample.interaction, sample.features)
        if fixed is not None:
            return fixed.cls, False
        model = models.get(sample.model)
        if model is None:
            return InteractionClass.INFORMATION, True
        prediction = model.predict(sample.features, margin)
        return prediction.cls, prediction.needs_review

    return decide


def leave_one_source_out(
    scored: Sequence[PageSample],
    always_train: Sequence[PageSample],
    margin: float,
    settings: FitSettings = DEFAULT_FIT,
) -> Outcome:
    """Score every source's pages with weights fitted on all other sources (and
    ``always_train``, the fictional corpus)."""
    outcome = Outcome()
    extra = [s for page in always_train for s in page.samples]
    for group in sorted({page.group for page in scored}):
        training = extra + [s for page in scored if page.group != group for s in page.samples]
        decide = model_decider(fit_all(training, settings), margin)
        for page in scored:
            if page.group == group:
                outcome.add_page(page, decide)
    return outcome


def field_shape_decider(sample: Sample) -> tuple[InteractionClass, bool]:
    """The naive baseline: a class from the form's method and field types alone."""
    interaction = sample.interaction
    types = {f.type for f in interaction.fields}
    if interaction.kind != Kind.FORM:
        return InteractionClass.INFORMATION, False
    if "password" in types or (interaction.method or "").upper() == "GET":
        return InteractionClass.UTILITY, False
    if not interaction.fields or types == {"email"}:
        return InteractionClass.INFORMATION, False
    if "textarea" in types and len(interaction.fields) <= 3:
        return InteractionClass.CONSULTATIVE, False
    return InteractionClass.TRANSACTIONAL, False
