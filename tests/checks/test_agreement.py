"""Agreement between static findings and axe findings, per mapped axe rule."""

from __future__ import annotations

from dcaudit.checks.agreement import agreement_lines, compare_with_axe
from dcaudit.checks.static_a11y import StaticRules
from dcaudit.models import Finding, Impact, Outcome, Source


def make(rule: str, page: str, source: Source, n: int = 0) -> Finding:
    return Finding(
        id=f"{rule}{page}{n}",
        fingerprint="f",
        rule=rule,
        source=source,
        outcome=Outcome.VIOLATION,
        impact=Impact.SERIOUS,
        page=page,
        message="m",
    )


def test_compare_with_axe_counts_per_page(static_rules: StaticRules) -> None:
    ours = [make("DCA001", "p1", Source.STATIC, n) for n in range(3)]
    ours += [make("DCA001", "p2", Source.STATIC), make("DCA004", "p9", Source.STATIC)]
    axe = [make("axe/image-alt", "p1", Source.AXE, n) for n in range(2)]
    axe += [make("axe/image-alt", "p3", Source.AXE), make("axe/label", "p1", Source.AXE)]
    table = compare_with_axe(ours, axe, static_rules, checked_pages=["p1", "p2", "p3"])
    image = table["image-alt"]
    assert (image.both, image.static_only, image.axe_only, image.pages) == (2, 2, 1, 3)
    assert image.static_rules == ("DCA001",)
    assert image.contradicts  # 3 disagreements against 2 agreements
    label = table["label"]
    assert (label.both, label.static_only, label.axe_only) == (0, 0, 1)  # p9 was not checked
    assert table["document-title"].rate is None
    assert any("CONTRADICTS AXE" in line for line in agreement_lines(table))


def test_compare_with_axe_joins_axe_rules_one_static_rule_covers(
    static_rules: StaticRules,
) -> None:
    # DCA010 covers both <button> and <input type=button>: one nameless button is one finding
    ours = [make("DCA010", "p1", Source.STATIC)]
    axe = [make("axe/button-name", "p1", Source.AXE)]
    table = compare_with_axe(ours, axe, static_rules, checked_pages=["p1"])
    joined = table["button-name+input-button-name"]
    assert (joined.both, joined.static_only, joined.axe_only) == (1, 0, 0)
    assert not joined.contradicts
