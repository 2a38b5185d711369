"""Compare classified interactions with a labelled ground truth (the demo site's
``ground_truth.yaml``, the test corpus's ``labels.yaml``): per-class precision and recall and a
confusion matrix, so a rule change can be judged on labelled pages.

Ground truth format::

    version: 1
    interactions:
      - page: /services/waste/     # page path; "*" or a glob ("/host/*") = every matching page
        kind: form                 # form | embed | contact | document | link
        match: "garden-waste"      # case-insensitive substring of the target, else of the label
        class: transactional
        four_cos: [co_delivery]
        participation: null
        closes_loop: true
        tags: []
        why: "..."
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dcaudit.errors import ConfigError
from dcaudit.models import Interaction, InteractionClass, Kind

MISSING = "(not found)"
UNLABELLED = "(unlabelled)"


@dataclass(frozen=True)
class LabelledInteraction:
    page: str
    kind: Kind
    match: str
    cls: InteractionClass
    four_cos: frozenset[str] = frozenset()
    participation: str | None = None
    closes_loop: bool = False
    tags: frozenset[str] = frozenset()
    why: str = ""

    def applies_to(self, page: str) -> bool:
        if "*" in self.page or "?" in self.page:
            return fnmatch.fnmatchcase(page, self.page)
        return page == self.page


def load_ground_truth(path: str | Path) -> list[LabelledInteraction]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read ground truth: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ConfigError(f"{path}: expected a mapping with an 'interactions' list")
    entries = []
    for number, raw in enumerate(data["interactions"], start=1):
        try:
            entries.append(_entry(raw))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}: interaction #{number}: {exc}") from exc
    return entries


def _entry(raw: Any) -> LabelledInteraction:
    if not isinstance(raw, dict):
        raise TypeError("each interaction must be a mapping")
    return LabelledInteraction(
        page=str(raw["page"]),
        kind=Kind(raw["kind"]),
        match=str(raw["match"]),
        cls=InteractionClass(raw["class"]),
        four_cos=frozenset(raw.get("four_cos") or ()),
        participation=raw.get("participation"),
        closes_loop=bool(raw.get("closes_loop", False)),
        tags=frozenset(raw.get("tags") or ()),
        why=str(raw.get("why") or ""),
    )


def find_matches(
    entry: LabelledInteraction, interactions: Iterable[Interaction]
) -> list[Interaction]:
    """Interactions of the entry's kind whose target (else label) contains ``match``."""
    needle = entry.match.casefold()
    same_kind = [i for i in interactions if i.kind == entry.kind]
    by_target = [i for i in same_kind if needle in (i.target or "").casefold()]
    if len(by_target) > 1:  # several share the target: the label tells them apart
        narrowed = [i for i in by_target if needle in i.label.casefold()]
        return narrowed or by_target
    if by_target:
        return by_target
    return [i for i in same_kind if needle in i.label.casefold()]


@dataclass
class Pairing:
    entry: LabelledInteraction
    page: str
    interaction: Interaction


@dataclass
class Comparison:
    pairs: list[Pairing] = field(default_factory=list)
    missing: list[tuple[LabelledInteraction, str, str]] = field(default_factory=list)
    unlabelled: list[tuple[str, Interaction]] = field(default_factory=list)

    def confusion(self) -> Counter[tuple[str, str]]:
        """(expected, predicted) -> count; MISSING and UNLABELLED stand for no partner."""
        counts: Counter[tuple[str, str]] = Counter()
        for pair in self.pairs:
            predicted = pair.interaction.interaction_class
            counts[(pair.entry.cls.value, predicted.value if predicted else "none")] += 1
        for entry, _, _ in self.missing:
            counts[(entry.cls.value, MISSING)] += 1
        for _, interaction in self.unlabelled:
            predicted = interaction.interaction_class
            counts[(UNLABELLED, predicted.value if predicted else "none")] += 1
        return counts

    def scores(self) -> dict[str, tuple[float, float, int]]:
        """Class -> (precision, recall, number labelled)."""
        counts = self.confusion()
        result = {}
        for cls in InteractionClass:
            name = cls.value
            true_positive = counts[(name, name)]
            predicted = sum(n for (_, p), n in counts.items() if p == name)
            expected = sum(n for (e, _), n in counts.items() if e == name)
            precision = true_positive / predicted if predicted else 1.0
            recall = true_positive / expected if expected else 1.0
            result[name] = (precision, recall, expected)
        return result

    def four_cos_agreement(self) -> float:
        agree = [set(p.interaction.four_cos) == set(p.entry.four_cos) for p in self.pairs]
        return sum(agree) / len(agree) if agree else 1.0

    def participation_agreement(self) -> float:
        agree = [
            (p.interaction.participation.value if p.interaction.participation else None)
            == p.entry.participation
            for p in self.pairs
        ]
        return sum(agree) / len(agree) if agree else 1.0

    def missing_tags(self, tags: Iterable[str]) -> list[str]:
        """Labelled tags among ``tags`` that the paired interaction does not carry."""
        wanted = set(tags)
        missing = [(p, (p.entry.tags & wanted) - set(p.interaction.tags)) for p in self.pairs]
        return [f"{p.page} '{p.entry.match}': {sorted(lost)}" for p, lost in missing if lost]

    def closes_loop_agreement(self) -> float:
        agree = [p.interaction.closes_loop == p.entry.closes_loop for p in self.pairs]
        return sum(agree) / len(agree) if agree else 1.0

    def disagreements(self) -> list[Pairing]:
        return [p for p in self.pairs if p.interaction.interaction_class != p.entry.cls]

    def render(self) -> str:
        """The confusion matrix and per-class scores as plain text."""
        classes = [c.value for c in InteractionClass]
        rows = [*classes, UNLABELLED]
        columns = [*classes, MISSING]
        counts = self.confusion()
        width = max(len(c) for c in [*rows, *columns]) + 1
        lines = ["expected \\ predicted".ljust(width) + "".join(c[:12].rjust(13) for c in columns)]
        for row in rows:
            cells = "".join(str(counts[(row, col)] or ".").rjust(13) for col in columns)
            lines.append(row.ljust(width) + cells)
        lines.append("")
        for name, (precision, recall, support) in self.scores().items():
            lines.append(f"{name:<15} precision {precision:.2f}  recall {recall:.2f}  n={support}")
        lines.append(f"four_cos agreement {self.four_cos_agreement():.2f}")
        lines.append(f"participation agreement {self.participation_agreement():.2f}")
        lines.append(f"closes_loop agreement {self.closes_loop_agreement():.2f}")
        return "\n".join(lines)

    def report_problems(self) -> str:
        lines = []
        for pair in self.disagreements():
            got = pair.interaction.interaction_class
            lines.append(
                f"{pair.page} {pair.entry.kind.value} '{pair.entry.match}': expected "
                f"{pair.entry.cls.value}, got {got.value if got else None} "
                f"[{pair.interaction.evidence[0].match if pair.interaction.evidence else ''}]"
            )
        for entry, page, reason in self.missing:
            lines.append(f"{page} {entry.kind.value} '{entry.match}': {reason}")
        for page, interaction in self.unlabelled:
            got = interaction.interaction_class
            lines.append(
                f"{page} unlabelled {interaction.kind.value} '{interaction.label}' -> "
                f"{interaction.target} ({got.value if got else None})"
            )
        return "\n".join(lines)


def compare(
    entries: Sequence[LabelledInteraction], pages: Mapping[str, Sequence[Interaction]]
) -> Comparison:
    """Pair every entry with exactly one interaction on each page it applies to."""
    result = Comparison()
    claimed: set[tuple[str, str]] = set()
    for entry in entries:
        applicable = [page for page in pages if entry.applies_to(page)]
        if not applicable:
            result.missing.append((entry, entry.page, "no such page"))
        for page in applicable:
            found = find_matches(entry, pages[page])
            if len(found) != 1:
                reason = "not extracted" if not found else f"matches {len(found)} interactions"
                result.missing.append((entry, page, reason))
                continue
            result.pairs.append(Pairing(entry, page, found[0]))
            claimed.add((page, found[0].id))
    for page, interactions in pages.items():
        for interaction in interactions:
            if (page, interaction.id) not in claimed:
                result.unlabelled.append((page, interaction))
    return result
