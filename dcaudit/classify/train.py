"""Fitting the decision's weights: an L2-regularised multinomial logistic regression per model
(input = forms and embeds, document, contact), on labelled samples.

Needs numpy and scipy (``pip install 'dcaudit[train]'``); the audit itself does not. The
settings below are fixed before any scoring, so nothing is tuned on the pages it is scored
on: ``C`` (inverse regularisation strength) and class weights that balance the classes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dcaudit.classify.model import MODEL_OF_KIND, LinearModel
from dcaudit.classify.samples import Sample
from dcaudit.errors import ConfigError
from dcaudit.models import InteractionClass

REGULARISATION_C = 1.0
MIN_FEATURE_COUNT = 2  # a feature seen in fewer samples gets no weight
CLASSES: dict[str, tuple[InteractionClass, ...]] = {
    "input": tuple(InteractionClass),
    "document": (InteractionClass.INFORMATION, InteractionClass.DIGITAL_LAYER),
    "contact": (InteractionClass.INFORMATION, InteractionClass.DIGITAL_LAYER),
}


@dataclass(frozen=True)
class FitSettings:
    c: float = REGULARISATION_C
    min_count: int = MIN_FEATURE_COUNT
    balance: float = 0.5  # class weight = (n / (classes x n_class)) ** balance

    def describe(self) -> dict[str, Any]:
        return {
            "method": "multinomial logistic regression, L2, L-BFGS (scipy)",
            "C": self.c,
            "class_weight": f"(n / (classes x n_class)) ** {self.balance}",
            "min_feature_count": self.min_count,
        }


DEFAULT_FIT = FitSettings()


def _numeric() -> tuple[Any, Any]:
    try:
        import numpy
        from scipy.optimize import minimize  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ConfigError(
            "fitting weights needs numpy and scipy: pip install 'dcaudit[train]'"
        ) from exc
    return numpy, minimize


def fit_model(
    samples: Sequence[Sample], model: str, settings: FitSettings = DEFAULT_FIT
) -> LinearModel | None:
    """Weights for one model from its labelled samples (None when there are none)."""
    np, minimize = _numeric()
    classes = CLASSES[model]
    rows = [
        s for s in samples if s.label is not None and s.model == model and s.label.cls in classes
    ]
    if len({s.label.cls for s in rows if s.label is not None}) < 2:
        return None
    counts = Counter(name for s in rows for name, v in s.features.items() if v)
    vocabulary = sorted(n for n, c in counts.items() if c >= settings.min_count or n == "bias")
    column = {name: i for i, name in enumerate(vocabulary)}
    x = np.zeros((len(rows), len(vocabulary)))
    for r, sample in enumerate(rows):
        for name, value in sample.features.items():
            if name in column:
                x[r, column[name]] = value
    y = np.array([classes.index(s.label.cls) for s in rows if s.label is not None])
    per_class = np.bincount(y, minlength=len(classes)).astype(float)
    present = per_class > 0
    class_weight = np.where(
        present, (len(y) / (present.sum() * np.maximum(per_class, 1))) ** settings.balance, 0.0
    )
    sample_weight = class_weight[y]
    onehot = np.eye(len(classes))[y]
    penalty = np.ones(len(vocabulary))
    penalty[column["bias"]] = 0.0  # the intercept is not shrunk

    def loss(flat: Any) -> tuple[float, Any]:
        w = flat.reshape(len(vocabulary), len(classes))
        logits = x @ w
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_p = logits - log_norm
        nll = -(sample_weight * (onehot * log_p).sum(axis=1)).sum()
        reg = 0.5 / settings.c * (penalty[:, None] * w * w).sum()
        grad = x.T @ ((np.exp(log_p) - onehot) * sample_weight[:, None])
        grad += (penalty[:, None] * w) / settings.c
        return float(nll + reg), grad.ravel()

    start = np.zeros(len(vocabulary) * len(classes))
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    w = result.x.reshape(len(vocabulary), len(classes))
    w -= w.mean(axis=1, keepdims=True)  # softmax is unchanged; weights read as pushes
    weights = {
        name: tuple(round(float(v), 4) for v in w[i])
        for i, name in enumerate(vocabulary)
        if np.abs(w[i]).max() >= 1e-3
    }
    return LinearModel(classes, weights)


def fit_all(
    samples: Sequence[Sample], settings: FitSettings = DEFAULT_FIT
) -> dict[str, LinearModel]:
    fitted = {}
    for model in sorted(set(MODEL_OF_KIND.values())):
        found = fit_model(samples, model, settings)
        if found is not None:
            fitted[model] = found
    return fitted
