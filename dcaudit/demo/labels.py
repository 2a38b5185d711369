"""The demo site as labelled pages for fitting and scoring the classification
(``dcaudit rules train`` and ``eval``): its static pages and its ground_truth.yaml."""

from __future__ import annotations

from dcaudit.classify.samples import LabelledSite
from dcaudit.demo.server import ground_truth_path, site_root


def labelled_site() -> LabelledSite:
    return LabelledSite(site_root(), ground_truth_path())


__all__ = ["labelled_site"]
