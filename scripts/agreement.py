"""Agreement between two independent labellings of the same pages (Cohen's kappa).

    .venv/bin/python scripts/agreement.py [CORPUS]        # labels/real against labels/second
    .venv/bin/python scripts/agreement.py --pick CORPUS   # the seeded 10 % sample to relabel

Forms are compared class by class. Documents and contacts are compared over every candidate
link on the page when CORPUS is given (else over the addresses either labeller listed), embeds
over the addresses either listed; an address a labeller did not list counts as "not
labelled" for them. Disagreements are printed so they can be settled in docs/labelling.md.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from dcaudit.classify.corpus import (
    LABELS_DIR,
    PageLabels,
    contact_key,
    load_corpus,
    load_labels,
    page_url,
)
from dcaudit.classify.corpus_candidates import contact_links, document_links
from dcaudit.classify.evaluate import cohen_kappa
from dcaudit.parse.document import parse_html

SEED = 2026
SHARE = 0.10
NOT_LABELLED = "(not labelled)"


def pick(corpus: Path) -> list[str]:
    names = sorted(page.page for page in load_corpus(corpus))
    return sorted(random.Random(SEED).sample(names, round(len(names) * SHARE)))


def _candidates(corpus: Path | None, page: str) -> dict[str, set[str]]:
    """Every document and contact link on the page, keyed as labels key them."""
    if corpus is None:
        return {}
    found = next(p for p in load_corpus(corpus) if p.page == page)
    parsed = parse_html(page_url(found), found.html())
    return {
        "documents": {link.href for link in document_links(parsed)},
        "contacts": {contact_key(link.href) for link in contact_links(parsed)},
    }


def _pairs(
    one: PageLabels, two: PageLabels, candidates: dict[str, set[str]]
) -> dict[str, list[tuple[str, str, str]]]:
    """Per element kind, (key, first class, second class)."""
    found: dict[str, list[tuple[str, str, str]]] = {"forms": []}
    for index in sorted(set(one.forms) | set(two.forms)):
        a, b = one.forms.get(index), two.forms.get(index)
        found["forms"].append(
            (str(index), a.cls.value if a else NOT_LABELLED, b.cls.value if b else NOT_LABELLED)
        )
    for kind in ("documents", "contacts", "embeds"):
        first, second = getattr(one, kind), getattr(two, kind)
        # a link nobody listed is information by the guide; an embed nobody listed is none
        unlisted = NOT_LABELLED if kind == "embeds" else "information"
        found[kind] = [
            (
                key,
                first[key].cls.value if key in first else unlisted,
                second[key].cls.value if key in second else unlisted,
            )
            for key in sorted(set(first) | set(second) | candidates.get(kind, set()))
        ]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, nargs="?", help="the corpus folder")
    parser.add_argument("--pick", action="store_true", help="print the sample of CORPUS")
    parser.add_argument("--first", type=Path, default=LABELS_DIR)
    parser.add_argument("--second", type=Path, default=LABELS_DIR.parent / "second")
    args = parser.parse_args()
    if args.pick:
        print("\n".join(pick(args.corpus)))
        return
    first, second = load_labels(args.first), load_labels(args.second)
    by_kind: dict[str, list[tuple[str, str]]] = {}
    disagreements = []
    for page, labels in sorted(second.items()):
        candidates = _candidates(args.corpus, page)
        for kind, rows in _pairs(first.get(page) or PageLabels(page), labels, candidates).items():
            for key, a, b in rows:
                by_kind.setdefault(kind, []).append((a, b))
                if a != b:
                    disagreements.append(f"  {page} {kind} {key[:60]}: {a} / {b}")
    print(f"{len(second)} pages labelled twice")
    for kind, pairs in by_kind.items():
        agree = sum(a == b for a, b in pairs)
        print(f"{kind:10} {len(pairs):4d} compared, {agree} agree, kappa {cohen_kappa(pairs):.2f}")
    print("disagreements:\n" + "\n".join(disagreements))


if __name__ == "__main__":
    main()
