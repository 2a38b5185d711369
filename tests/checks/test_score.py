"""Risk scores: transparent weighted sums where two-way barriers weigh most."""

from __future__ import annotations

import dataclasses

import pytest

from dcaudit.engine.packs import RulePack
from dcaudit.errors import RulePackError
from dcaudit.models import Finding, Impact, Interaction, InteractionClass, Kind, Outcome, Source
from dcaudit.score import (
    Weights,
    load_weights,
    method_text,
    score_interactions,
    score_pages,
    score_site,
)

FORM_PAGE = "https://council.example/apply"
NEWS_PAGE = "https://council.example/news/1"


def finding(
    rule: str,
    page: str,
    interaction: str | None,
    *,
    impact: Impact = Impact.CRITICAL,
    outcome: Outcome = Outcome.VIOLATION,
    selector: str = "input",
) -> Finding:
    return Finding(
        id=f"{rule}-{page}-{selector}-{interaction}",
        fingerprint="fp",
        rule=rule,
        source=Source.STATIC,
        outcome=outcome,
        impact=impact,
        page=page,
        message="m",
        selector=selector,
        interaction=interaction,
    )


def interaction(id_: str, page: str, klass: InteractionClass) -> Interaction:
    return Interaction(
        id=id_, page=page, kind=Kind.FORM, label=id_, selector="form", interaction_class=klass
    )


def test_two_way_barrier_outweighs_same_barrier_on_information(weights: Weights) -> None:
    apply = interaction("apply", FORM_PAGE, InteractionClass.TRANSACTIONAL)
    signup = interaction("signup", NEWS_PAGE, InteractionClass.INFORMATION)
    findings = [finding("DCA004", FORM_PAGE, "apply"), finding("DCA004", NEWS_PAGE, "signup")]
    scored = {i.id: i for i in score_interactions([apply, signup], findings, weights)}
    apply_risk, signup_risk = scored["apply"].risk, scored["signup"].risk
    assert apply_risk is not None and signup_risk is not None
    assert apply_risk.score > signup_risk.score > 0
    assert scored["apply"].finding_ids == ("DCA004-https://council.example/apply-input-apply",)
    factor = apply_risk.factors[0]
    assert factor.factor == "DCA004" and "transactional" in factor.detail
    assert factor.weight == pytest.approx(apply_risk.score)
    pages = score_pages(findings, [apply, signup], weights)
    assert pages[FORM_PAGE].score > pages[NEWS_PAGE].score


def test_page_wide_findings_count_against_every_interaction(weights: Weights) -> None:
    apply = interaction("apply", FORM_PAGE, InteractionClass.CONSULTATIVE)
    no_lang = finding("DCA006", FORM_PAGE, None, impact=Impact.SERIOUS, selector="html")
    footer_img = finding("DCA001", FORM_PAGE, None, selector="footer img")
    [scored] = score_interactions([apply], [no_lang, footer_img], weights)
    assert scored.risk is not None
    assert [f.factor for f in scored.risk.factors] == ["DCA006"]


def test_repeats_decay_and_scores_cap_at_100(weights: Weights) -> None:
    apply = interaction("apply", FORM_PAGE, InteractionClass.TRANSACTIONAL)
    many = [
        finding("DCA004", FORM_PAGE, "apply", selector=f"input:nth-of-type({n})") for n in range(20)
    ]
    [scored] = score_interactions([apply], many, weights)
    assert scored.risk is not None
    weights_seen = [f.weight for f in scored.risk.factors]
    assert weights_seen[1] == pytest.approx(weights_seen[0] * weights.repeat_decay)
    assert scored.risk.score <= 100
    others = [finding(f"DCA0{n:02d}", FORM_PAGE, "apply") for n in range(1, 10)]
    [capped] = score_interactions([apply], others, weights)
    assert capped.risk is not None and capped.risk.score == 100


def test_needs_review_and_errors_weigh_less(weights: Weights) -> None:
    apply = interaction("apply", FORM_PAGE, InteractionClass.TRANSACTIONAL)
    sure = finding("DCA004", FORM_PAGE, "apply")
    maybe = dataclasses.replace(sure, outcome=Outcome.NEEDS_REVIEW)
    broken = dataclasses.replace(sure, outcome=Outcome.ERROR, impact=None)
    [a], [b], [c] = (score_interactions([apply], [f], weights) for f in (sure, maybe, broken))
    assert a.risk and b.risk and c.risk
    assert a.risk.score > b.risk.score > c.risk.score == 0


def test_site_score_averages_pages_and_adds_site_findings(weights: Weights) -> None:
    apply = interaction("apply", FORM_PAGE, InteractionClass.TRANSACTIONAL)
    findings = [finding("DCA004", FORM_PAGE, "apply")]
    pages = score_pages(findings, [apply], weights, pages=[FORM_PAGE, NEWS_PAGE])
    assert pages[NEWS_PAGE].score == 0
    site = score_site(pages, [], weights)
    assert site.score == pytest.approx(pages[FORM_PAGE].score / 2, abs=0.1)
    assert site.factors[0].detail == "on 1 of 2 pages"
    statement = finding("DCX011", NEWS_PAGE, None, impact=Impact.SERIOUS, selector="site:statement")
    with_site = score_site(pages, [statement], weights)
    assert with_site.score > site.score
    assert {f.factor for f in with_site.factors} == {"DCA004", "DCX011"}


def test_method_text_states_the_weights(weights: Weights) -> None:
    text = method_text(weights)
    assert "0 (no barrier found) to 100" in text
    assert "transactional x1.5" in text and "violation points: critical 25" in text
    assert weights.version in text


def test_load_weights_rejects_malformed_pack(packs: list[RulePack]) -> None:
    broken = [
        dataclasses.replace(p, data={"weights.yaml": {"scoring": {"points": {"bad": {}}}}})
        if p.kind == "scoring"
        else p
        for p in packs
    ]
    with pytest.raises(RulePackError, match="scoring weights are malformed"):
        load_weights(broken)
    with pytest.raises(RulePackError, match="no scoring pack"):
        load_weights([p for p in packs if p.kind != "scoring"])
