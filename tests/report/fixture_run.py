"""A fixed, stored audit run of a fictional council site, for the report tests and goldens.

Pinned time and versions, 9 pages (one failed fetch, one document, one Welsh page),
18 interactions covering all six classes (two flagged for a person to check their class), and
32 findings (axe violations and needs-review, static, exclusion, security, one failed check),
some attached to interactions. Rule ids are the built-in packs' own, so reports describe them
by the packs' titles; axe-core's help texts are recorded on the run as the browser pass does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from dcaudit.models import MODE_OF_CLASS as MODE
from dcaudit.models import (
    Evidence,
    Finding,
    FourCo,
    Impact,
    Interaction,
    InteractionClass,
    Kind,
    Outcome,
    Page,
    Participation,
    Risk,
    RiskFactor,
    Run,
    RunStats,
    RunStatus,
    Skip,
    SkipReason,
    Source,
)
from dcaudit.store import Store

SITE = "https://www.example-council.gov.uk"
RUN_ID = "run-2026-01-01-fixture"
STARTED = "2026-01-01T00:00:00Z"
FINISHED = "2026-01-01T00:04:12Z"
SECRET = "Bearer-SECRET-VALUE-never-in-output"


@dataclass(frozen=True)
class FixtureRun:
    run: Run
    pages: list[Page]
    interactions: list[Interaction]
    findings: list[Finding]
    skips: list[Skip]


def url(path: str) -> str:
    return SITE + path


def _iid(page: str, selector: str) -> str:
    return "i-" + hashlib.sha256(f"{page} {selector}".encode()).hexdigest()[:12]


def fixture_run() -> FixtureRun:
    run = Run(
        id=RUN_ID,
        started=STARTED,
        finished=FINISHED,
        seeds=(url("/"),),
        status=RunStatus.COMPLETE,
        settings={
            "max_pages": 500,
            "max_depth": 10,
            "respect_robots": True,
            "browser": True,
            "axe_tags": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            "required_languages": ["cy"],
            "include": [],
            "exclude": [r"/calendar/\d+"],
            # must never reach an output
            "auth_header": SECRET,
            "cookies": {"session": SECRET},
            "proxy_password": SECRET,
            "api_token": SECRET,
        },
        stats=RunStats(
            pages_fetched=9,
            skipped_robots=2,
            out_of_scope=3,
            errors=1,
            browser_checked=6,
            skipped={"robots": 2, "out_of_scope": 3, "max_depth": 1},
        ),
        tool={
            "name": "dcaudit",
            "version": "0.1.0",
            "axe_core": "4.14.1",
            "rule_packs": {
                "classify-en": "1.0.0",
                "classify-cy": "1.0.0",
                "static-a11y": "1.1.0",
                "exclusion": "1.0.0",
                "security": "1.0.0",
                "scoring": "1.0.0",
            },
            # axe-core's help per rule, as the browser pass records it; axe/region is left
            # out to show how a rule without one is named
            "axe_rules": {
                "axe/aria-allowed-role": "ARIA role should be appropriate for the element",
                "axe/color-contrast": "Elements must meet minimum color contrast ratio thresholds",
                "axe/frame-title": "Frames must have an accessible name",
                "axe/heading-order": "Heading levels should only increase by one",
                "axe/identical-links-same-purpose": "Links with the same name must have a "
                "similar purpose",
                "axe/image-alt": "Images must have alternative text",
                "axe/label": "Form elements must have labels",
                "axe/link-name": "Links must have discernible text",
                "axe/radiogroup": "Radio inputs with the same name attribute value must be "
                "part of a group",
                "axe/target-size": "All touch targets must be 24px large, or leave sufficient "
                "space",
            },
        },
        notes=(
            "Browser pass sampled one page per template: 6 of 7 HTML pages checked with axe-core.",
            "Robots.txt excluded 2 URLs; they were not fetched.",
        ),
    )
    html = "text/html; charset=utf-8"
    pages = [
        Page(
            url("/"),
            url("/"),
            200,
            html,
            48_210,
            0,
            "en",
            "Example Council",
            None,
            browser_checked=True,
            reading_grade=8.4,
            elapsed_ms=120.0,
        ),
        Page(
            url("/bins/missed-collection"),
            url("/bins/missed-collection"),
            200,
            html,
            61_004,
            1,
            "en",
            "Report a missed bin collection",
            browser_checked=True,
            reading_grade=6.1,
        ),
        Page(
            url("/consultations/local-plan"),
            url("/consultations/local-plan"),
            200,
            html,
            2_904_551,
            1,
            "en",
            "Local Plan 2026–2041: have your say",
            browser_checked=True,
            reading_grade=13.2,
        ),
        Page(
            url("/budget/participatory-budgeting"),
            url("/budget/participatory-budgeting"),
            200,
            html,
            75_120,
            1,
            "en",
            "Community Fund: vote for local projects",
            browser_checked=True,
            reading_grade=7.0,
        ),
        Page(
            url("/parking/permits"),
            url("/parking/permits"),
            200,
            html,
            39_880,
            1,
            "en",
            "Parking permits",
            browser_checked=True,
            reading_grade=9.5,
        ),
        Page(
            url("/contact"),
            url("/contact-us"),
            200,
            html,
            22_300,
            1,
            "en",
            "Contact us",
            redirects=(url("/contact"),),
            browser_checked=True,
            reading_grade=5.2,
        ),
        Page(url("/cy/"), url("/cy/"), 200, html, 47_900, 1, "cy", "Cyngor Enghraifft"),
        Page(
            url("/docs/annual-report-2025.pdf"),
            url("/docs/annual-report-2025.pdf"),
            200,
            "application/pdf",
            1_804_112,
            2,
            None,
            "Annual report 2025",
            is_document=True,
        ),
        Page(
            url("/old/planning-search"),
            url("/old/planning-search"),
            500,
            html,
            None,
            2,
            error="server error (HTTP 500) after 3 retries",
        ),
    ]
    interactions = _interactions()
    findings = _findings(interactions)
    # link each interaction to its findings, as the pipeline does
    by_interaction: dict[str, list[str]] = {}
    for finding in findings:
        if finding.interaction:
            by_interaction.setdefault(finding.interaction, []).append(finding.id)
    interactions = [_with_findings(i, tuple(by_interaction.get(i.id, ()))) for i in interactions]
    skips = [
        Skip(url("/admin/"), SkipReason.ROBOTS, url("/"), "Disallow: /admin/"),
        Skip(url("/search?q=bins"), SkipReason.ROBOTS, url("/"), "Disallow: /search"),
        Skip("https://www.facebook.com/examplecouncil", SkipReason.OUT_OF_SCOPE, url("/")),
        Skip(
            "https://consult.example-engage.co.uk/local-plan",
            SkipReason.OUT_OF_SCOPE,
            url("/consultations/local-plan"),
        ),
        Skip(
            "https://pay.example-payments.gov.uk/parking",
            SkipReason.OUT_OF_SCOPE,
            url("/parking/permits"),
        ),
        Skip(
            url("/docs/archive/2019/minutes.pdf"),
            SkipReason.MAX_DEPTH,
            url("/docs/annual-report-2025.pdf"),
        ),
    ]
    return FixtureRun(run, pages, interactions, findings, skips)


def _with_findings(interaction: Interaction, finding_ids: tuple[str, ...]) -> Interaction:
    return replace(interaction, finding_ids=finding_ids)


def _interaction(
    page: str,
    selector: str,
    kind: Kind,
    label: str,
    cls: InteractionClass,
    evidence: list[tuple[str, str, str] | tuple[str, str, str, float]],
    *,
    target: str | None = None,
    method: str | None = None,
    four_cos: tuple[FourCo, ...] = (),
    participation: Participation | None = None,
    closes_loop: bool = False,
    confidence: float = 0.8,
    tags: tuple[str, ...] = (),
    platform: str | None = None,
    risk: tuple[float, list[tuple[str, float, str]]] | None = None,
    needs_review: bool = False,
    runner_up: InteractionClass | None = None,
) -> Interaction:
    return Interaction(
        id=_iid(url(page), selector),
        page=url(page),
        kind=kind,
        label=label,
        selector=selector,
        target=target,
        method=method,
        platform=platform,
        interaction_class=cls,
        mode=MODE[cls],
        four_cos=four_cos,
        participation=participation,
        closes_loop=closes_loop,
        confidence=confidence,
        needs_review=needs_review,
        runner_up=runner_up,
        evidence=tuple(Evidence(*e) for e in evidence),
        tags=tags,
        risk=None if risk is None else Risk(risk[0], tuple(RiskFactor(*f) for f in risk[1])),
    )


C = InteractionClass


def _interactions() -> list[Interaction]:
    return [
        _interaction(
            "/",
            "form#site-search",
            Kind.FORM,
            "Search this site",
            C.UTILITY,
            [("DCC001", "GET form with a single search field", "role=search")],
            target=url("/search"),
            method="get",
            confidence=0.98,
            risk=(0.0, []),
        ),
        _interaction(
            "/",
            "div.cookie-banner form",
            Kind.FORM,
            "Accept analytics cookies",
            C.UTILITY,
            [("DCC002", "cookie consent controls", "Accept analytics cookies")],
            target=url("/cookies"),
            method="post",
            confidence=0.95,
            risk=(0.0, []),
        ),
        _interaction(
            "/",
            "form#newsletter",
            Kind.FORM,
            "Sign up to our email newsletter",
            C.INFORMATION,
            [
                ("DCC010", "single email field sign-up", "input[type=email]"),
                ("DCC011", "newsletter phrase", "email newsletter"),
            ],
            target="https://public.govdelivery.example/accounts/XC/subscriber/new",
            method="post",
            platform="govdelivery",
            participation=Participation.INFORM,
            confidence=0.9,
            risk=(4.0, [("third_party_form", 4.0, "posts to govdelivery")]),
        ),
        _interaction(
            "/",
            "form.page-feedback",
            Kind.FORM,
            "Was this page useful?",
            C.CONSULTATIVE,
            [("DCC031", "page feedback about the website", "Was this page useful?")],
            target=url("/feedback"),
            method="post",
            four_cos=(FourCo.CO_ASSESSMENT,),
            participation=Participation.CONSULT,
            confidence=0.7,
            tags=("site_feedback",),
            risk=(
                6.0,
                [
                    ("low_weight_feedback", 1.0, "feedback about the website only"),
                    ("serious_violation", 5.0, "1 serious accessibility violation"),
                ],
            ),
        ),
        _interaction(
            "/bins/missed-collection",
            "form#missed-bin",
            Kind.FORM,
            "Report a missed bin collection",
            C.TRANSACTIONAL,
            [
                ("DCC020", "structured service form", "fieldset: address, bin type, date"),
                ("DCC022", "reference promised", "you will get a reference number"),
            ],
            target=url("/bins/missed-collection/submit"),
            method="post",
            four_cos=(FourCo.CO_DELIVERY,),
            closes_loop=True,
            confidence=0.92,
            risk=(
                58.0,
                [
                    ("critical_violation", 30.0, "form fields without labels"),
                    ("serious_violation", 12.0, "low colour contrast on submit"),
                    ("no_assisted_route", 16.0, "no phone or in-person route"),
                ],
            ),
        ),
        _interaction(
            "/bins/missed-collection",
            "form#login",
            Kind.FORM,
            "Sign in to your account",
            C.UTILITY,
            [("DCC003", "password field", "input[type=password]")],
            target=url("/account/login"),
            method="post",
            tags=("login",),
            confidence=0.9,
            risk=(0.0, []),
        ),
        _interaction(
            "/consultations/local-plan",
            "iframe#consultation",
            Kind.EMBED,
            "Local Plan consultation questionnaire",
            C.CONSULTATIVE,
            [
                ("DCC040", "consultation platform embed", "consult.example-engage.co.uk"),
                ("DCC041", "closing date", "Closes 31 March 2026"),
            ],
            target="https://consult.example-engage.co.uk/local-plan/survey",
            platform="citizen_space",
            four_cos=(FourCo.CO_DESIGN,),
            participation=Participation.CONSULT,
            confidence=0.88,
            risk=(
                71.0,
                [
                    ("captcha", 25.0, "reCAPTCHA before submitting"),
                    ("serious_violation", 12.0, "iframe without a title"),
                    ("reading_grade", 14.0, "reading grade 13.2 (target 9)"),
                    ("page_weight", 8.0, "2.9 MB page"),
                    ("no_assisted_route", 12.0, "no paper or phone route"),
                ],
            ),
        ),
        _interaction(
            "/consultations/local-plan",
            "form#comment",
            Kind.FORM,
            "Comment on the draft policies map",
            C.CONSULTATIVE,
            [
                ("DCC042", "comment on a plan", "Comment on the draft policies map", 0.42),
                ("DCF007", "no reference promised", "", -0.13),
            ],
            target=url("/consultations/local-plan/comments"),
            method="post",
            four_cos=(FourCo.CO_DESIGN,),
            participation=Participation.CONSULT,
            confidence=0.55,
            needs_review=True,
            runner_up=C.INFORMATION,
            risk=(
                33.0,
                [
                    ("login_wall", 20.0, "sign-in needed before commenting"),
                    ("moderate_violation", 5.0, "heading order"),
                    ("reading_grade", 8.0, "reading grade 13.2 (target 9)"),
                ],
            ),
        ),
        _interaction(
            "/budget/participatory-budgeting",
            "form#pb-vote",
            Kind.FORM,
            "Vote for up to three community projects",
            C.COLLABORATIVE,
            [
                ("DCC050", "voting or allocation", "Vote for up to three"),
                ("DCC052", "others' contributions visible", "142 projects proposed"),
            ],
            target=url("/budget/vote"),
            method="post",
            four_cos=(FourCo.CO_COMMISSIONING,),
            participation=Participation.EMPOWER,
            closes_loop=True,
            confidence=0.9,
            risk=(
                24.0,
                [
                    ("serious_violation", 12.0, "radio group without a name"),
                    ("javascript_only", 12.0, "form only in the rendered page"),
                ],
            ),
        ),
        _interaction(
            "/budget/participatory-budgeting",
            "a.proposals-map",
            Kind.LINK,
            "See proposals on the map and their status",
            C.COLLABORATIVE,
            [("DCC053", "public map of proposals with status", "their status")],
            target=url("/budget/map"),
            four_cos=(FourCo.CO_COMMISSIONING,),
            participation=Participation.INVOLVE,
            closes_loop=True,
            confidence=0.7,
            needs_review=True,
            risk=(3.0, [("minor_violation", 3.0, "link text repeated")]),
        ),
        _interaction(
            "/parking/permits",
            "a[href$='permit-application.pdf']",
            Kind.DOCUMENT,
            "Download the permit application form (PDF)",
            C.DIGITAL_LAYER,
            [
                ("DCC060", "application form document", "application form (PDF)"),
                ("DCC061", "print and post", "print it and post it to"),
            ],
            target=url("/docs/permit-application.pdf"),
            participation=Participation.INFORM,
            confidence=0.9,
            risk=(18.0, [("document_only", 18.0, "the form is a PDF to print")]),
        ),
        _interaction(
            "/parking/permits",
            "a.pay-online",
            Kind.LINK,
            "Apply and pay for a resident permit online",
            C.TRANSACTIONAL,
            [
                ("DCC021", "service link off-site", "Apply and pay"),
                ("DCC023", "payment platform", "pay.example-payments.gov.uk"),
            ],
            target="https://pay.example-payments.gov.uk/parking",
            platform="gov_pay",
            four_cos=(FourCo.CO_DELIVERY,),
            closes_loop=True,
            confidence=0.85,
            risk=(9.0, [("serious_violation", 9.0, "link has no accessible name")]),
        ),
        _interaction(
            "/contact",
            "a[href^='mailto:']",
            Kind.CONTACT,
            "Email customer services",
            C.DIGITAL_LAYER,
            [("DCC070", "mailto is the only route", "mailto:enquiries@example")],
            target="mailto:enquiries@example-council.gov.uk",
            participation=Participation.INFORM,
            confidence=0.8,
            risk=(5.0, []),
        ),
        _interaction(
            "/contact",
            "form#enquiry",
            Kind.FORM,
            "Send us an enquiry",
            C.DIGITAL_LAYER,
            [
                ("DCC071", "free text forwarded to an inbox", "we will reply within 10 days"),
                ("DCC072", "no reference given", "no confirmation or reference"),
            ],
            target=url("/contact/send"),
            method="post",
            confidence=0.7,
            risk=(
                21.0,
                [
                    ("captcha", 15.0, "hCaptcha on the form"),
                    ("insecure_post", 6.0, "posts over http"),
                ],
            ),
        ),
        _interaction(
            "/contact",
            "a[href^='tel:']",
            Kind.CONTACT,
            "Call 01234 567890",
            C.INFORMATION,
            [("DCC073", "phone number beside online routes", "tel:")],
            target="tel:+441234567890",
            participation=Participation.INFORM,
            confidence=0.6,
            risk=(0.0, []),
        ),
        _interaction(
            "/cy/",
            "a.dweud-eich-dweud",
            Kind.LINK,
            "Dweud eich dweud: Cynllun Lleol",
            C.CONSULTATIVE,
            [("DCC040-cy", "ymgynghoriad (consultation) phrase", "Dweud eich dweud")],
            target="https://consult.example-engage.co.uk/cy/local-plan",
            four_cos=(FourCo.CO_DESIGN,),
            participation=Participation.CONSULT,
            confidence=0.8,
            risk=(0.0, []),
        ),
        _interaction(
            "/docs/annual-report-2025.pdf",
            "document",
            Kind.DOCUMENT,
            "Annual report 2025",
            C.INFORMATION,
            [("DCC012", "report document", "annual report")],
            target=url("/docs/annual-report-2025.pdf"),
            participation=Participation.INFORM,
            confidence=0.9,
            risk=(2.0, []),
        ),
        _interaction(
            "/",
            "a.jobs",
            Kind.LINK,
            "Apply for a job with us",
            C.TRANSACTIONAL,
            [("DCC024", "job application", "Apply for a job")],
            target="https://jobs.example-recruit.co.uk/council",
            tags=("job",),
            confidence=0.8,
            risk=(0.0, []),
        ),
    ]


AXE = "https://dequeuniversity.com/rules/axe/4.14/"


def _findings(interactions: list[Interaction]) -> list[Finding]:
    ix = {i.label: i.id for i in interactions}
    # fmt: off
    rows: list[tuple] = [
        # rule, source, outcome, impact, page, selector, snippet, interaction label, message, wcag
        ("axe/label", Source.AXE, Outcome.VIOLATION, Impact.CRITICAL, "/bins/missed-collection",
         "#missed-bin input[name=postcode]", '<input name="postcode" type="text">',
         "Report a missed bin collection",
         "Form elements must have labels. Give the postcode field a visible <label for>.",
         ("wcag2a", "wcag412", "wcag131")),
        ("axe/label", Source.AXE, Outcome.VIOLATION, Impact.CRITICAL, "/bins/missed-collection",
         "#missed-bin select[name=bin]", '<select name="bin">',
         "Report a missed bin collection",
         "Form elements must have labels. Label the bin type list.", ("wcag2a", "wcag412")),
        ("axe/color-contrast", Source.AXE, Outcome.VIOLATION, Impact.SERIOUS,
         "/bins/missed-collection", "#missed-bin button.submit",
         '<button class="submit">Report it</button>', "Report a missed bin collection",
         "Elements must meet minimum colour contrast (3.1:1 found, 4.5:1 needed). "
         "Darken the button background.", ("wcag2aa", "wcag143")),
        ("axe/color-contrast", Source.AXE, Outcome.VIOLATION, Impact.SERIOUS, "/",
         "footer .legal a", '<a href="/privacy">Privacy</a>', None,
         "Elements must meet minimum colour contrast (2.8:1 found, 4.5:1 needed).",
         ("wcag2aa", "wcag143")),
        ("axe/color-contrast", Source.AXE, Outcome.VIOLATION, Impact.SERIOUS, "/parking/permits",
         "footer .legal a", '<a href="/privacy">Privacy</a>', None,
         "Elements must meet minimum colour contrast (2.8:1 found, 4.5:1 needed).",
         ("wcag2aa", "wcag143")),
        ("axe/color-contrast", Source.AXE, Outcome.NEEDS_REVIEW, Impact.SERIOUS,
         "/consultations/local-plan", ".hero h1", "<h1>Have your say on the Local Plan</h1>",
         None, "Text over a background image: check the contrast by hand.",
         ("wcag2aa", "wcag143")),
        ("axe/frame-title", Source.AXE, Outcome.VIOLATION, Impact.SERIOUS,
         "/consultations/local-plan", "iframe#consultation",
         '<iframe id="consultation" src="https://consult.example-engage.co.uk/local-plan/survey">',
         "Local Plan consultation questionnaire",
         "Frames must have an accessible name. Add a title describing the questionnaire.",
         ("wcag2a", "wcag412")),
        ("axe/heading-order", Source.AXE, Outcome.VIOLATION, Impact.MODERATE,
         "/consultations/local-plan", "#comment h4", "<h4>Your comment</h4>",
         "Comment on the draft policies map",
         "Heading levels should only increase by one. Use an h3 here.", ()),
        ("axe/radiogroup", Source.AXE, Outcome.VIOLATION, Impact.SERIOUS,
         "/budget/participatory-budgeting", "#pb-vote .projects",
         '<div class="projects"><input type="checkbox" name="p">…',
         "Vote for up to three community projects",
         "Group related choices in a fieldset with a legend naming the question.",
         ("wcag2a", "wcag131")),
        ("axe/link-name", Source.AXE, Outcome.VIOLATION, Impact.SERIOUS, "/parking/permits",
         "a.pay-online",
         '<a class="pay-online" href="https://pay.example-payments.gov.uk/parking">'
         '<img src="pay.svg"></a>',
         "Apply and pay for a resident permit online",
         "Links must have discernible text. Give the image alt text saying where it goes.",
         ("wcag2a", "wcag244", "wcag412")),
        ("axe/image-alt", Source.AXE, Outcome.VIOLATION, Impact.CRITICAL, "/",
         "main img.hero", '<img class="hero" src="/img/town-hall.jpg">', None,
         "Images must have alternative text. Describe the picture, or alt=\"\" if decorative.",
         ("wcag2a", "wcag111")),
        ("axe/image-alt", Source.AXE, Outcome.VIOLATION, Impact.CRITICAL,
         "/budget/participatory-budgeting", ".project-card img",
         '<img src="/img/project-17.jpg">', None,
         "Images must have alternative text.", ("wcag2a", "wcag111")),
        ("axe/region", Source.AXE, Outcome.VIOLATION, Impact.MODERATE, "/",
         "div.cookie-banner", '<div class="cookie-banner">', None,
         "All page content should be contained by landmarks.", ()),
        ("axe/region", Source.AXE, Outcome.VIOLATION, Impact.MODERATE, "/contact",
         "div.cookie-banner", '<div class="cookie-banner">', None,
         "All page content should be contained by landmarks.", ()),
        ("axe/aria-allowed-role", Source.AXE, Outcome.NEEDS_REVIEW, Impact.MINOR, "/contact",
         "ul[role=tablist]", '<ul role="tablist">', None,
         "Check that the ARIA role suits the element.", ()),
        ("axe/identical-links-same-purpose", Source.AXE, Outcome.NEEDS_REVIEW, Impact.MINOR,
         "/budget/participatory-budgeting", "a.proposals-map", '<a class="proposals-map">See</a>',
         "See proposals on the map and their status",
         "Links with the same name should go to the same place.", ("wcag249",)),
        ("axe/target-size", Source.AXE, Outcome.VIOLATION, Impact.SERIOUS, "/",
         "form.page-feedback button", '<button>Yes</button>', "Was this page useful?",
         "Touch targets must be at least 24 by 24 CSS pixels.", ("wcag22aa", "wcag258")),
        ("DCA001", Source.STATIC, Outcome.VIOLATION, Impact.SERIOUS, "/cy/",
         "img.logo", '<img class="logo" src="/img/logo.png">', None,
         "Image has no alt attribute. Add alt text (in Welsh on Welsh pages).",
         ("wcag2a", "wcag111")),
        ("DCA006", Source.STATIC, Outcome.VIOLATION, Impact.SERIOUS, "/cy/",
         "html", '<html>', None,
         "The page has no lang attribute; screen readers will read Welsh as English. "
         "Add lang=\"cy\".", ("wcag2a", "wcag311")),
        ("DCA016", Source.STATIC, Outcome.VIOLATION, Impact.MODERATE, "/contact",
         "#enquiry input[name=email]", '<input name="email" type="email">',
         "Send us an enquiry",
         "Personal data field without autocomplete. Add autocomplete=\"email\".",
         ("wcag21aa", "wcag135")),
        ("DCA017", Source.STATIC, Outcome.VIOLATION, Impact.CRITICAL, "/parking/permits",
         "meta[name=viewport]",
         '<meta name="viewport" content="width=device-width, user-scalable=no">', None,
         "Zoom is disabled. Remove user-scalable=no so people can enlarge text.",
         ("wcag2aa", "wcag144")),
        ("DCX004", Source.EXCLUSION, Outcome.VIOLATION, Impact.SERIOUS,
         "/consultations/local-plan", "iframe#consultation", "www.google.com/recaptcha/api.js",
         "Local Plan consultation questionnaire",
         "A CAPTCHA stands between people and the consultation. Use a non-visual check "
         "(rate limits, honeypot field) instead.", ("wcag22aa", "wcag338")),
        ("DCX004", Source.EXCLUSION, Outcome.VIOLATION, Impact.SERIOUS, "/contact",
         "#enquiry .h-captcha", '<div class="h-captcha" data-sitekey="…">', "Send us an enquiry",
         "A CAPTCHA stands between people and the enquiry form.", ("wcag22aa", "wcag338")),
        ("DCX002", Source.EXCLUSION, Outcome.VIOLATION, Impact.MODERATE,
         "/consultations/local-plan", None, None, None,
         "Reading grade 13.2 (about reading age 18): the page is hard to read. "
         "Aim for reading age 9 (grade 4): short sentences, common words.", ()),
        ("DCX003", Source.EXCLUSION, Outcome.VIOLATION, Impact.MODERATE, "/parking/permits",
         "a[href$='permit-application.pdf']", "permit-application.pdf",
         "Download the permit application form (PDF)",
         "The application is a PDF to print and post. Offer an online form (HTML, not PDF).", ()),
        ("DCX001", Source.EXCLUSION, Outcome.VIOLATION, Impact.SERIOUS,
         "/bins/missed-collection", None, None, "Report a missed bin collection",
         "No phone number, address or webchat is offered beside the online form. "
         "Add an assisted-digital route.", ()),
        ("DCX006", Source.EXCLUSION, Outcome.VIOLATION, Impact.MODERATE,
         "/consultations/local-plan", None, "2,904,551 bytes in 87 requests", None,
         "Heavy page (2.9 MB): slow and costly on mobile data. Compress images.", ()),
        ("DCX005", Source.EXCLUSION, Outcome.VIOLATION, Impact.SERIOUS,
         "/consultations/local-plan", "form#comment", '<input type="password" name="pw">',
         "Comment on the draft policies map",
         "People must sign in before they can comment. Let people comment without an account.",
         ()),
        ("DCS003", Source.SECURITY, Outcome.VIOLATION, Impact.SERIOUS, "/contact",
         "form#enquiry", '<form id="enquiry" action="http://www.example-council.gov.uk/contact/send">',
         "Send us an enquiry",
         "The form sends personal data over plain HTTP. Post it over HTTPS.", ()),
        ("DCS006", Source.SECURITY, Outcome.VIOLATION, Impact.MODERATE,
         "/bins/missed-collection", "script[src*='tracker']",
         '<script src="https://cdn.example-tracker.com/t.js">', None,
         "A third-party tracker runs on a page with a personal-data form. Remove it or load "
         "it only after consent.", ()),
        ("DCS002", Source.SECURITY, Outcome.NEEDS_REVIEW, None, "/", None,
         "Strict-Transport-Security: (missing)", None,
         "No HSTS header: check the site is only served over HTTPS.", ()),
        ("axe/run", Source.AXE, Outcome.ERROR, None, "/cy/", None, None, None,
         "axe-core timed out after 30 s on this page.", ()),
    ]
    # fmt: on
    findings: list[Finding] = []
    for n, (
        rule,
        source,
        outcome,
        impact,
        page,
        selector,
        snippet,
        label,
        message,
        wcag,
    ) in enumerate(rows, start=1):
        fingerprint = hashlib.sha256(f"{rule} {page} {selector}".encode()).hexdigest()[:16]
        # axe rules link to Deque's rule pages; the fixture's own rules have no page
        help_url = AXE + rule.removeprefix("axe/") if rule.startswith("axe/") else None
        findings.append(
            Finding(
                id=f"f-{n:04d}",
                fingerprint=fingerprint,
                rule=rule,
                source=source,
                outcome=outcome,
                impact=impact,
                page=url(page),
                message=message,
                wcag=wcag,
                selector=selector,
                snippet=snippet,
                interaction=ix[label] if label else None,
                help_url=help_url,
                # the parser knows the source line of an element it found; the fixture
                # leaves one element out, as a selector matching only after scripts ran
                line=10 + n if snippet and rule != "axe/color-contrast" else None,
            )
        )
    return findings


def store_fixture_run(store: Store, fixture: FixtureRun | None = None) -> str:
    """Write the fixture run into ``store`` the way the pipeline does; returns the run id."""
    fixture = fixture or fixture_run()
    store.create_run(fixture.run)
    findings_by_page: dict[str, list[Finding]] = {}
    for finding in fixture.findings:
        findings_by_page.setdefault(finding.page, []).append(finding)
    for page in fixture.pages:
        store.save_page(
            fixture.run.id,
            page,
            skips=[s for s in fixture.skips if s.source == page.url],
            interactions=[i for i in fixture.interactions if i.page == page.url],
            findings=findings_by_page.get(page.url, []),
        )
    return fixture.run.id
