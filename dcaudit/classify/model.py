"""The learned part of the decision: per kind of interaction, a weight for every (signal,
class) pair, fitted on labelled real pages by ``dcaudit rules train`` and shipped as data in
rules/classify-core/fitted-weights.yaml. Applying it is a dot product and a softmax; no training
library is needed at run time.

A decision whose two most likely classes are closer than ``review_margin`` is flagged
``needs_review`` with the runner-up class.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dcaudit.engine.packs import RulePack
from dcaudit.errors import RulePackError
from dcaudit.models import InteractionClass, Kind

WEIGHTS_FILE = "fitted-weights.yaml"
# which model decides each kind; links have no labelled examples and keep the rule precedence
MODEL_OF_KIND: dict[Kind, str] = {
    Kind.FORM: "input",
    Kind.EMBED: "input",
    Kind.DOCUMENT: "document",
    Kind.CONTACT: "contact",
}


@dataclass(frozen=True)
class Prediction:
    cls: InteractionClass
    probability: float
    runner_up: InteractionClass | None
    runner_up_probability: float
    contributions: tuple[tuple[str, float, float], ...]  # (feature, value, contribution)
    needs_review: bool


@dataclass(frozen=True)
class LinearModel:
    """A multinomial logistic regression: one weight vector per class."""

    classes: tuple[InteractionClass, ...]
    weights: Mapping[str, tuple[float, ...]]  # feature -> one weight per class

    def logits(self, features: Mapping[str, float]) -> list[float]:
        totals = [0.0] * len(self.classes)
        for name, value in features.items():
            row = self.weights.get(name)
            if row is None or not value:
                continue
            for i, weight in enumerate(row):
                totals[i] += weight * value
        return totals

    def probabilities(self, features: Mapping[str, float]) -> list[float]:
        logits = self.logits(features)
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def predict(self, features: Mapping[str, float], review_margin: float) -> Prediction:
        probs = self.probabilities(features)
        order = sorted(range(len(probs)), key=lambda i: -probs[i])
        win = order[0]
        second = order[1] if len(order) > 1 else None
        second_p = probs[second] if second is not None else 0.0
        return Prediction(
            cls=self.classes[win],
            probability=probs[win],
            runner_up=self.classes[second] if second is not None else None,
            runner_up_probability=second_p,
            contributions=self._contributions(features, win, second),
            needs_review=probs[win] - second_p < review_margin,
        )

    def _contributions(
        self, features: Mapping[str, float], win: int, rival: int | None
    ) -> tuple[tuple[str, float, float], ...]:
        """How much each feature moved the winner ahead of the runner-up, largest first."""
        found = []
        for name, value in features.items():
            row = self.weights.get(name)
            if row is None or not value:
                continue
            delta = row[win] - (row[rival] if rival is not None else 0.0)
            found.append((name, value, value * delta))
        found.sort(key=lambda item: -abs(item[2]))
        return tuple(found)


@dataclass(frozen=True)
class DecisionModel:
    version: str
    models: Mapping[str, LinearModel]
    review_margin: float
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def for_kind(self, kind: Kind) -> LinearModel | None:
        name = MODEL_OF_KIND.get(kind)
        return self.models.get(name) if name is not None else None


def load_decision_model(packs: Sequence[RulePack]) -> DecisionModel | None:
    """The fitted weights, if a pack ships them (without them the rule precedence decides)."""
    found = [
        (p, p.data[WEIGHTS_FILE]) for p in packs if p.kind == "classify" and WEIGHTS_FILE in p.data
    ]
    if not found:
        return None
    if len(found) > 1:
        raise RulePackError(WEIGHTS_FILE, f"only one pack may provide it, found {len(found)}")
    pack, data = found[0]
    return parse_decision_model(data, f"{pack.path}/{WEIGHTS_FILE}")


def parse_decision_model(data: Any, where: str) -> DecisionModel:
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise RulePackError(where, "must be a mapping with 'models'")
    margin = data.get("review_margin", 0.2)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not 0 <= margin < 1:
        raise RulePackError(where, "'review_margin' must be a number from 0 to 1")
    models = {
        str(name): _linear(raw, f"{where}: models.{name}") for name, raw in data["models"].items()
    }
    unknown = set(models) - set(MODEL_OF_KIND.values())
    if unknown:
        raise RulePackError(where, f"unknown models {sorted(unknown)}")
    return DecisionModel(
        version=str(data.get("version", "0")),
        models=models,
        review_margin=float(margin),
        provenance=dict(data.get("provenance") or {}),
    )


def _linear(raw: Any, where: str) -> LinearModel:
    if not isinstance(raw, dict):
        raise RulePackError(where, "must be a mapping with 'classes' and 'weights'")
    try:
        classes = tuple(InteractionClass(c) for c in raw["classes"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RulePackError(where, f"'classes' must list interaction classes: {exc}") from exc
    weights = raw.get("weights")
    if not isinstance(weights, dict) or len(classes) < 2:
        raise RulePackError(where, "'weights' must map features to one weight per class")
    rows: dict[str, tuple[float, ...]] = {}
    for feature, row in weights.items():
        if not isinstance(row, list) or len(row) != len(classes):
            raise RulePackError(where, f"feature '{feature}': needs {len(classes)} weights")
        if not all(isinstance(w, int | float) and math.isfinite(w) for w in row):
            raise RulePackError(where, f"feature '{feature}': weights must be finite numbers")
        rows[str(feature)] = tuple(float(w) for w in row)
    return LinearModel(classes, rows)
