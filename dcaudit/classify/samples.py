"""Labelled samples for fitting and scoring the decision: every form, embed, document and
contact that extraction finds on a labelled page, with its features and its label.

Real pages are labelled by labels/real (docs/labelling.md); the fictional corpus and the demo
site by their ground-truth files. Labels name forms by their index in document order and
the rest by the address written in the page, so they pair with what extraction finds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

import lxml.html

from dcaudit.classify.corpus import (
    CorpusPage,
    Label,
    PageLabels,
    contact_key,
    page_url,
)
from dcaudit.classify.corpus_candidates import form_elements
from dcaudit.classify.decision import interaction_features_of_page
from dcaudit.classify.model import MODEL_OF_KIND
from dcaudit.classify.rules import ClassificationRules
from dcaudit.engine.accuracy import compare, load_ground_truth
from dcaudit.extract.interactions import extract_interactions, interaction_sources
from dcaudit.models import Interaction, InteractionClass, Kind
from dcaudit.parse.document import ParsedPage, parse_html


@dataclass
class Sample:
    group: str  # held out together: a corpus source, or "fictional"
    page: str
    interaction: Interaction
    features: dict[str, float]
    label: Label | None  # None: not labelled (an embed nobody listed)

    @property
    def model(self) -> str:
        return MODEL_OF_KIND[self.interaction.kind]


@dataclass
class PageSample:
    group: str
    page: str
    two_way: bool  # by its labels
    samples: list[Sample] = field(default_factory=list)


def _element_label(
    interaction: Interaction,
    element: lxml.html.HtmlElement | None,
    labels: PageLabels,
    form_index: Mapping[lxml.html.HtmlElement, int],
) -> Label | None:
    information = Label(InteractionClass.INFORMATION)
    if interaction.kind == Kind.FORM:
        index = form_index.get(element) if element is not None else None
        return labels.forms.get(index) if index is not None else None
    written = (
        (element.get("href") or element.get("src") or "").strip() if element is not None else ""
    )
    if interaction.kind == Kind.DOCUMENT:
        return labels.documents.get(written, information)
    if interaction.kind == Kind.CONTACT:
        if element is not None and element.tag in {"iframe", "script"}:
            return labels.embeds.get(written)
        return labels.contacts.get(contact_key(written), information) if written else information
    if interaction.kind == Kind.EMBED:
        return labels.embeds.get(
            written or (element.get("data-src") or "").strip() if element is not None else ""
        )
    return None


def page_samples(page: CorpusPage, labels: PageLabels, rules: ClassificationRules) -> PageSample:
    """Samples of one real page (every page counts for the two-way page accuracy)."""
    parsed = parse_html(page_url(page), page.html())
    interactions = extract_interactions(parsed, rules=rules)
    features = interaction_features_of_page(interactions, parsed, rules)
    sources = interaction_sources(parsed)
    form_index = {form: i for i, form in enumerate(form_elements(parsed))}
    result = PageSample(page.source, page.page, labels.two_way())
    for interaction, feats in zip(interactions, features, strict=True):
        if interaction.kind not in MODEL_OF_KIND:
            continue
        source = sources.by_id.get(interaction.id)
        element = source.element if source is not None else None
        label = _element_label(interaction, element, labels, form_index)
        result.samples.append(Sample(page.source, page.page, interaction, feats, label))
    return result


def real_samples(
    pages: list[CorpusPage], labels: Mapping[str, PageLabels], rules: ClassificationRules
) -> list[PageSample]:
    return [
        page_samples(page, labels.get(page.page) or PageLabels(page.page), rules) for page in pages
    ]


def fictional_samples(corpus: Path, rules: ClassificationRules) -> list[PageSample]:
    """The project's own fictional pages (tests/classify/corpus), labelled by labels.yaml."""
    entries = load_ground_truth(corpus / "labels.yaml")
    results = []
    for path in sorted(corpus.rglob("*.html")):
        relative = path.relative_to(corpus).as_posix()
        host, _, rest = relative.partition("/")
        parsed = parse_html(f"https://{host}/{rest}", path.read_text(encoding="utf-8"))
        results.append(_ground_truth_page("fictional", f"/{relative}", parsed, entries, rules))
    return results


@dataclass(frozen=True)
class LabelledSite:
    """A site's pages as files (each page an index.html in its path's folder) and the ground
    truth that labels their interactions. The bundled demo site's are found by the caller
    (``dcaudit.demo``): the demo comes after the classification in the pipeline's layers."""

    root: Traversable
    ground_truth: Traversable


def demo_samples(demo: LabelledSite, rules: ClassificationRules) -> list[PageSample]:
    """The bundled demo site's pages as files, labelled by its ground_truth.yaml."""
    entries = load_ground_truth(Path(str(demo.ground_truth)))
    root = Path(str(demo.root))
    results = []
    for path in sorted(root.rglob("index.html")):
        relative = path.parent.relative_to(root).as_posix()
        key = "/" if relative == "." else f"/{relative}/"
        parsed = parse_html(f"http://127.0.0.1{key}", path.read_text(encoding="utf-8"))
        results.append(_ground_truth_page("demo", key, parsed, entries, rules))
    return results


def _ground_truth_page(
    group: str,
    key: str,
    parsed: ParsedPage,
    entries: list,  # type: ignore[type-arg]
    rules: ClassificationRules,
) -> PageSample:
    interactions = extract_interactions(parsed, rules=rules)
    features = interaction_features_of_page(interactions, parsed, rules)
    by_id = dict(zip((i.id for i in interactions), features, strict=True))
    comparison = compare(entries, {key: interactions})
    result = PageSample(group, key, False)
    for pair in comparison.pairs:
        interaction = pair.interaction
        if interaction.kind not in MODEL_OF_KIND:
            continue
        label = Label(pair.entry.cls, closes_loop=pair.entry.closes_loop)
        result.samples.append(Sample(group, key, interaction, by_id[interaction.id], label))
        if interaction.kind in (Kind.FORM, Kind.EMBED) and pair.entry.cls in _TWO_WAY:
            result.two_way = True
    return result


_TWO_WAY = frozenset(
    {InteractionClass.TRANSACTIONAL, InteractionClass.CONSULTATIVE, InteractionClass.COLLABORATIVE}
)


def labelled(pages: list[PageSample]) -> Iterator[Sample]:
    for page in pages:
        for sample in page.samples:
            if sample.label is not None:
                yield sample
