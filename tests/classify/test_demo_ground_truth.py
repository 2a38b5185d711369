"""The demo site's ground truth (dcaudit/demo/ground_truth.yaml), served on loopback.

Interactions that only exist once JavaScript runs are not in the served HTML; static
extraction cannot see them (the browser pass does), so they are listed, not failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dcaudit.classify.decision import classify
from dcaudit.classify.rules import ClassificationRules
from dcaudit.demo.server import DemoServer, ground_truth_path, site_root
from dcaudit.engine.accuracy import Comparison, LabelledInteraction, compare, load_ground_truth
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import Interaction
from dcaudit.parse.document import parse_html


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    with DemoServer() as server:
        yield server.url


def demo_paths() -> set[str]:
    root = Path(str(site_root()))
    paths = set()
    for index in root.rglob("index.html"):
        relative = index.parent.relative_to(root).as_posix()
        paths.add("/" if relative == "." else f"/{relative}/")
    return paths


@pytest.fixture(scope="module")
def served(demo_url: str, rules: ClassificationRules) -> dict[str, tuple[str, list[Interaction]]]:
    """Final path -> (served HTML, classified interactions) for every page that serves HTML."""
    pages: dict[str, tuple[str, list[Interaction]]] = {}
    base = demo_url.rstrip("/")
    with httpx.Client(follow_redirects=True, timeout=10) as client:
        for path in sorted(demo_paths()):
            response = client.get(base + path)
            if response.status_code != 200 or "html" not in response.headers.get(
                "content-type", ""
            ):
                continue  # e.g. confirmation pages that need a submitted form first
            final = response.url.path
            if final in pages:
                continue
            parsed = parse_html(str(response.url), response.text)
            pages[final] = (
                response.text,
                classify(extract_interactions(parsed, rules=rules), parsed, rules),
            )
    return pages


def script_only(
    entry: LabelledInteraction, pages: dict[str, tuple[str, list[Interaction]]]
) -> bool:
    html = pages.get(entry.page, ("", []))[0]
    return entry.page != "*" and entry.match.casefold() not in html.casefold()


@pytest.fixture(scope="module")
def comparison(served: dict[str, tuple[str, list[Interaction]]]) -> Comparison:
    entries = load_ground_truth(Path(str(ground_truth_path())))
    static = [e for e in entries if not script_only(e, served)]
    result = compare(static, {path: found for path, (_, found) in served.items()})
    skipped = [f"{e.page} {e.kind.value} '{e.match}'" for e in entries if e not in static]
    print("\nDemo site\n" + result.render())
    print("only in the rendered DOM (browser pass): " + (", ".join(skipped) or "none"))
    return result


def test_demo_ground_truth_lists_script_only_interactions_separately(served) -> None:
    entries = load_ground_truth(Path(str(ground_truth_path())))
    assert [e.match for e in entries if script_only(e, served)] == ["call-back/request"]


def test_demo_every_entry_matches_one_interaction_of_its_class(comparison: Comparison) -> None:
    wrong = [
        f"{p.page} {p.entry.kind.value} '{p.entry.match}': expected {p.entry.cls.value}, "
        f"got {p.interaction.interaction_class}"
        for p in comparison.pairs
        if p.interaction.interaction_class != p.entry.cls
    ]
    missing = [f"{page} {e.kind.value} '{e.match}': {why}" for e, page, why in comparison.missing]
    assert not wrong and not missing, "\n".join([*wrong, *missing])


def test_demo_every_entry_has_its_four_cos(comparison: Comparison) -> None:
    wrong = [
        f"{p.page} '{p.entry.match}': expected {sorted(p.entry.four_cos)}, "
        f"got {[c.value for c in p.interaction.four_cos]}"
        for p in comparison.pairs
        if set(p.interaction.four_cos) != set(p.entry.four_cos)
    ]
    assert not wrong, "\n".join(wrong)


def test_demo_every_extracted_interaction_has_an_entry(comparison: Comparison) -> None:
    unlabelled = [
        f"{page} {i.kind.value} '{i.label}' -> {i.target} ({i.interaction_class})"
        for page, i in comparison.unlabelled
    ]
    assert not unlabelled, "interactions missing from ground_truth.yaml:\n" + "\n".join(unlabelled)
