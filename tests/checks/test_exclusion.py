"""Exclusion factors: reading grade, assisted routes, CAPTCHAs, login walls, page weight,
JavaScript dependence, languages and the site-level accessibility statement."""

from __future__ import annotations

from dcaudit.checks.exclusion import (
    ExclusionRules,
    check_exclusion,
    js_dependence_findings,
    page_weight_findings,
    reading_grade,
)
from dcaudit.checks.site_checks import SiteObservations
from dcaudit.config import Settings
from dcaudit.models import Interaction, InteractionClass, Kind, Mode, Outcome, Source
from dcaudit.parse.document import parse_html

from .conftest import make_page

URL = "https://council.example/apply"
HARD = (
    "Notwithstanding the aforementioned considerations, applicants demonstrating eligibility "
    "must substantiate circumstances necessitating reconsideration, furnishing documentation. "
)
EASY = "You can ask for a new bin. It is free. We bring it in a week. Tell us your road. "


def doc(body: str, lang: str | None = "en", head: str = "") -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    viewport = '<meta name="viewport" content="width=device-width">'
    return (
        f"<html{lang_attr}><head><title>t</title>{viewport}{head}</head><body>{body}</body></html>"
    )


def two_way(
    selector: str = "#apply", klass: InteractionClass = InteractionClass.TRANSACTIONAL
) -> Interaction:
    return Interaction(
        id="i-apply",
        page=URL,
        kind=Kind.FORM,
        label="Apply for a permit",
        selector=selector,
        target=URL,
        method="post",
        interaction_class=klass,
        mode=Mode.TWO_WAY,
    )


def run(
    html: str,
    rules: ExclusionRules,
    interactions: list[Interaction] | None = None,
    settings: Settings | None = None,
    **page: object,
):  # type: ignore[no-untyped-def]
    parsed = parse_html(URL, html)
    return check_exclusion(
        parsed, make_page(URL, **page), interactions or [], rules, settings or Settings()
    )


def test_reading_grade_set_on_english_main_content(exclusion_rules: ExclusionRules) -> None:
    findings, page = run(
        doc(f"<nav>{'Menu ' * 300}</nav><main><p>{HARD * 20}</p></main>"), exclusion_rules
    )
    assert page.reading_grade is not None and page.reading_grade > 12
    grade = [f for f in findings if f.rule == "DCX002"]
    assert [(f.outcome, f.source) for f in grade] == [(Outcome.VIOLATION, Source.EXCLUSION)]
    assert f"grade {page.reading_grade:g}" in grade[0].message


def test_reading_grade_easy_text_is_not_flagged(exclusion_rules: ExclusionRules) -> None:
    findings, page = run(doc(f"<main><p>{EASY * 15}</p></main>"), exclusion_rules)
    assert page.reading_grade is not None and page.reading_grade < 9
    assert not [f for f in findings if f.rule == "DCX002"]


def test_reading_grade_none_for_welsh_and_short_text(exclusion_rules: ExclusionRules) -> None:
    welsh = parse_html(URL, doc(f"<main><p>{HARD * 20}</p></main>", lang="cy"))
    assert reading_grade(welsh, make_page(URL, lang="cy"), exclusion_rules) is None
    short = parse_html(URL, doc(f"<main><p>{HARD}</p></main>"))
    assert reading_grade(short, make_page(URL), exclusion_rules) is None


def test_reading_grade_without_lang_guesses_from_words(exclusion_rules: ExclusionRules) -> None:
    english = parse_html(URL, doc(f"<main><p>{EASY * 15}</p></main>", lang=None))
    assert reading_grade(english, make_page(URL), exclusion_rules) is not None
    welsh_text = "Gallwch wneud cais am fin newydd. Mae am ddim. Rydym yn dod ag ef mewn wythnos. "
    welsh = parse_html(URL, doc(f"<main><p>{welsh_text * 20}</p></main>", lang=None))
    assert reading_grade(welsh, make_page(URL), exclusion_rules) is None


def test_captcha_attached_to_its_form(exclusion_rules: ExclusionRules) -> None:
    html = doc(
        '<form id="apply" action="/a" method="post"><input name="n">'
        '<div class="h-captcha" data-sitekey="k"></div></form>'
    )
    findings, _ = run(html, exclusion_rules, [two_way()])
    captcha = [f for f in findings if f.rule == "DCX004"]
    assert len(captcha) == 1 and captcha[0].interaction == "i-apply"
    assert captcha[0].wcag == ("3.3.8",)


def test_login_redirect_is_a_violation(exclusion_rules: ExclusionRules) -> None:
    html = doc('<form action="/login" method="post"><input type="password" name="p"></form>')
    findings, _ = run(
        html, exclusion_rules, [], final_url="https://council.example/account/login?next=/apply"
    )
    walls = [f for f in findings if f.rule == "DCX005"]
    assert [f.outcome for f in walls] == [Outcome.VIOLATION]


def test_page_weight_thresholds(exclusion_rules: ExclusionRules) -> None:
    page = make_page(URL)
    assert page_weight_findings(page, 20_000, 30, 900_000, exclusion_rules) == []
    review = page_weight_findings(page, 20_000, 90, 900_000, exclusion_rules)
    assert [f.outcome for f in review] == [Outcome.NEEDS_REVIEW]
    heavy = page_weight_findings(page, 20_000, 90, 9_000_000, exclusion_rules)
    assert [f.outcome for f in heavy] == [Outcome.VIOLATION]
    assert "9.0 MB" in heavy[0].message and "90 requests" in heavy[0].message


def test_static_weight_estimate_counts_linked_resources(exclusion_rules: ExclusionRules) -> None:
    images = "".join(f'<img src="/{n}.png" alt="">' for n in range(100))
    findings, _ = run(doc(images), exclusion_rules)
    weight = [f for f in findings if f.rule == "DCX006"]
    assert len(weight) == 1 and "101 requests" in weight[0].message


def test_js_dependence_reports_rendered_only_interactions(exclusion_rules: ExclusionRules) -> None:
    form = two_way()
    survey = Interaction(
        id="i-survey",
        page=URL,
        kind=Kind.EMBED,
        label="Survey",
        selector="iframe",
        target="https://survey.example/1",
    )
    link = Interaction(
        id="i-link",
        page=URL,
        kind=Kind.LINK,
        label="News",
        selector="a",
        target="https://council.example/news",
    )
    moved = Interaction(**{**form.__dict__, "id": "i-moved", "selector": "main > form"})
    findings = js_dependence_findings(URL, [form], [moved, survey, link], exclusion_rules)
    assert [(f.rule, f.interaction) for f in findings] == [("DCX007", "i-survey")]


def test_viewport_and_required_language(exclusion_rules: ExclusionRules) -> None:
    html = "<html lang='en'><head><title>t</title></head><body><p>Hi</p></body></html>"
    findings, _ = run(html, exclusion_rules, settings=Settings(required_languages=("cy",)))
    assert {"DCX008", "DCX009"} <= {f.rule for f in findings}
    with_welsh = doc('<a href="/cy/hafan" hreflang="cy">Cymraeg</a>')
    findings, _ = run(with_welsh, exclusion_rules, settings=Settings(required_languages=("cy",)))
    assert not {"DCX008", "DCX009"} & {f.rule for f in findings}


def test_site_observations_find_statement_and_languages(exclusion_rules: ExclusionRules) -> None:
    site = SiteObservations(Settings(required_languages=("cy", "gd")), exclusion_rules)
    home = parse_html("https://council.example/", doc('<a href="/cy/">Cymraeg</a>'))
    site.observe(home, make_page("https://council.example/", depth=0))
    about = parse_html("https://council.example/about", doc("<p>About</p>"))
    site.observe(about, make_page("https://council.example/about", depth=1))
    found = {f.rule: f for f in site.site_findings()}
    assert sorted(found) == ["DCX010", "DCX011"]
    assert found["DCX010"].page == "https://council.example/"
    assert "'gd'" in found["DCX010"].message
    statement = parse_html(
        URL, doc('<a href="/accessibility-statement">Accessibility statement</a>')
    )
    site.observe(statement, make_page(URL))
    assert [f.rule for f in site.site_findings()] == ["DCX010"]


def test_site_observations_count_unparsed_pages(exclusion_rules: ExclusionRules) -> None:
    site = SiteObservations(Settings(), exclusion_rules)
    site.observe_page(make_page("https://council.example/accessibility-statement", depth=2))
    home = parse_html("https://council.example/", doc("<p>Home</p>"))
    site.observe(home, make_page("https://council.example/", depth=0))
    assert site.pages == 2
    assert site.site_findings() == []
