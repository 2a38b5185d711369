"""The digital layer test on small pages: every docs/method.md false positive, words that mean
different things in context, evidence and precedence."""

from __future__ import annotations

import dataclasses

import pytest

from dcaudit.classify.decision import classify
from dcaudit.classify.rules import ClassificationRules
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import MODE_OF_CLASS, FourCo, InteractionClass, Participation

UTIL, INFO, DL, TRANS, CONS, COLLAB = (
    InteractionClass.UTILITY,
    InteractionClass.INFORMATION,
    InteractionClass.DIGITAL_LAYER,
    InteractionClass.TRANSACTIONAL,
    InteractionClass.CONSULTATIVE,
    InteractionClass.COLLABORATIVE,
)

SITE_SEARCH = """<header><form action="/search" method="get" role="search">
<label for="q">Search this site</label><input id="q" name="q" type="search">
<button>Search</button></form></header>"""
COOKIES = """<div class="cookie-banner"><h2>Cookies on our website</h2>
<form method="post" action="/cookies"><button name="a" value="1">Accept additional cookies</button>
<button name="a" value="0">Reject additional cookies</button></form></div>"""
NEWSLETTER = """<footer><h2>Our newsletter</h2><form method="post" action="/newsletter">
<label for="e">Email address</label><input id="e" type="email" name="email">
<button>Subscribe</button></form></footer>"""
PAGE_USEFUL = """<main><h1>Council tax bands</h1><p>Guidance text.</p>
<div class="page-feedback"><form method="post" action="/feedback">
<h2>Was this page useful?</h2><button name="u" value="y">Yes</button>
<button name="u" value="n">No</button>
</form></div></main>"""
LOGIN = """<h1>Sign in to your account</h1><form method="post" action="/account/login">
<label for="u">Email</label><input id="u" type="email" name="u">
<label for="p">Password</label><input id="p" type="password" name="p">
<button>Sign in</button></form>"""
JOB = """<h1>Refuse driver</h1><p>Closing date 1 May.</p>
<p><a href="https://jobs.northtown-careers.co.uk/vacancy/77/apply">Apply for this job</a></p>"""
FOI = """<h1>Freedom of information</h1><form method="post" action="/foi/send">
<label for="n">Name</label><input id="n" name="n"><label for="r">Your request</label>
<textarea id="r" name="r"></textarea><button>Send request</button></form>"""
CLOSED = """<h1>Parking consultation</h1><p>This consultation closed on 3 March. We are considering
the responses.</p>
<p><a href="https://northtown.citizenspace.com/parking/">View the consultation</a></p>"""


@pytest.mark.parametrize(
    ("body", "cls", "tag"),
    [
        (SITE_SEARCH, UTIL, "search"),
        (COOKIES, UTIL, "cookie_consent"),
        (NEWSLETTER, INFO, None),
        (LOGIN, UTIL, "login"),
    ],
    ids=["site-search", "cookie-consent", "newsletter", "login"],
)
def test_classify_false_positives_are_not_two_way(classified, only, body, cls, tag) -> None:
    interaction = only(classified(body))
    assert interaction.interaction_class == cls
    assert interaction.mode == MODE_OF_CLASS[cls]
    assert interaction.four_cos == ()
    if tag:
        assert tag in interaction.tags


def test_classify_page_feedback_is_weak_co_assessment(classified, only) -> None:
    feedback = only(classified(PAGE_USEFUL))
    assert feedback.interaction_class == CONS
    assert feedback.four_cos == (FourCo.CO_ASSESSMENT,)
    assert "site_feedback" in feedback.tags
    assert feedback.confidence <= 0.4
    assert feedback.closes_loop is False


@pytest.mark.parametrize(
    ("body", "tag"), [(JOB, "job_application"), (FOI, "foi")], ids=["job", "foi"]
)
def test_classify_job_and_foi_are_tagged_transactions(classified, only, body, tag) -> None:
    interaction = only(classified(body))
    assert interaction.interaction_class == TRANS
    assert tag in interaction.tags
    assert interaction.four_cos == ()  # not co-production of the service itself


def test_classify_closed_consultation_without_outcome_does_not_close_the_loop(
    classified, only
) -> None:
    link = only(classified(CLOSED))
    assert link.interaction_class == CONS
    assert link.closes_loop is False
    assert "closed" in link.tags
    assert link.participation == Participation.CONSULT


def test_classify_published_response_upgrades_and_closes_the_loop(classified, only) -> None:
    link = only(
        classified(
            """<h1>Library hours</h1><p><a href="https://northtown.citizenspace.com/libraries/results/">
            Read what you said and our response</a></p>"""
        )
    )
    assert link.interaction_class == COLLAB
    assert link.closes_loop is True


@pytest.mark.parametrize(
    ("body", "cls"),
    [
        ('<p><a href="/docs/annual-report-2025.pdf">Annual report 2025 (PDF)</a></p>', INFO),
        ('<p><a href="/docs/pothole-claim-form.pdf">Pothole damage claim form (PDF)</a></p>', DL),
        (
            """<h1>Report a pothole</h1><p>You will get a reference number.</p>
            <form method="post" action="/potholes"><label for="w">Where is it?</label>
            <input id="w" name="w"><label for="d">Describe it</label><textarea id="d" name="d">
            </textarea><button>Send report</button></form>""",
            TRANS,
        ),
        ('<p><a href="https://www.example.org/t">Terms and conditions apply</a></p>', None),
        ('<p><a href="https://www.gov.uk/apply-for-a-licence">Apply for a licence</a></p>', TRANS),
        (
            '<p><a href="https://www.electoral.example/how">How to vote in the election</a></p>',
            INFO,
        ),
        (
            '<p><a href="https://decide.northtown.org/vote">Vote for projects in your area</a></p>',
            COLLAB,
        ),
        ('<p><a href="https://www.gov.uk/register-to-vote">Register to vote</a></p>', TRANS),
    ],
    ids=[
        "report-noun",
        "claim-form-document",
        "report-verb",
        "conditions-apply",
        "apply-verb",
        "how-to-vote",
        "pb-vote",
        "register-to-vote",
    ],
)
def test_classify_same_words_mean_different_things(classified, body, cls) -> None:
    found = classified(body)
    if cls is None:
        assert found == []  # a plain off-site link is not an interaction
    else:
        assert [i.interaction_class for i in found] == [cls]


def test_classify_contact_is_digital_layer_only_when_it_stands_in_for_a_service(classified) -> None:
    only_route = classified(
        '<p>To request a bulky waste collection, email <a href="mailto:bulky@n.gov.uk">us</a>.</p>'
    )
    alternative = classified(
        """<h2>Apply online</h2><form method="post" action="/apply"><label for="n">Name</label>
        <input id="n" name="n"><select name="s" aria-label="Size"><option>1</option></select>
        <button>Apply</button></form>
        <h2>If you cannot apply online</h2>
        <p>Call <a href="tel:01632960000">01632 960000</a>.</p>"""
    )
    general = classified(
        '<footer><p>Call us on <a href="tel:01632960000">01632 960000</a></p></footer>'
    )
    assert only_route[0].interaction_class == DL
    assert [i.interaction_class for i in alternative] == [TRANS, INFO]
    assert general[0].interaction_class == INFO


def test_classify_forms_that_only_forward_text_are_digital_layer(classified) -> None:
    mailto = classified(
        """<form action="mailto:events@n.gov.uk" method="post"><label for="m">Message</label>
        <textarea id="m" name="m"></textarea><button>Send</button></form>"""
    )
    contact = classified(
        """<h1>Contact us</h1><p>We aim to reply within 10 working days.</p>
        <form method="post" action="/contact"><label for="n">Name</label><input id="n" name="n">
        <label for="m">Your enquiry</label><textarea id="m" name="m"></textarea>
        <button>Send</button></form>"""
    )
    assert mailto[0].interaction_class == DL
    assert contact[0].interaction_class == DL


def test_classify_webchat_and_document_forms_are_digital_layer(classified) -> None:
    found = classified(
        """<p><a href="/docs/housing-application-form.docx">Housing application form (Word)</a></p>
        <script src="https://embed.tawk.to/abc/default"></script>"""
    )
    assert [i.interaction_class for i in found] == [DL, DL]


def test_classify_collective_object_and_topic_name_the_co(classified, only) -> None:
    survey = only(
        classified(
            """<h1>Budget 2026</h1><p>Tell us your priorities for next year's budget.</p>
            <iframe src="https://www.smartsurvey.co.uk/s/budget/" title="Budget survey"></iframe>"""
        )
    )
    panel = only(
        classified(
            """<h1>Join the citizens' panel</h1><form method="post" action="/panel">
            <label for="n">Name</label><input id="n" name="n"><button>Join</button></form>"""
        )
    )
    assert (survey.interaction_class, survey.four_cos) == (CONS, (FourCo.CO_COMMISSIONING,))
    assert (panel.interaction_class, panel.four_cos) == (COLLAB, (FourCo.CO_DESIGN,))
    assert panel.participation == Participation.COLLABORATE


def test_classify_every_class_carries_evidence_and_the_deciding_step(classified) -> None:
    bodies = [SITE_SEARCH, NEWSLETTER, CLOSED, JOB, PAGE_USEFUL, LOGIN, COOKIES, FOI]
    for body in bodies:
        for interaction in classified(body):
            assert interaction.evidence, interaction.label
            # the deciding step: a hard rule, the fitted weights, or the rule precedence
            assert interaction.evidence[0].rule.startswith(("hard/", "model/", "step"))
            assert 0.0 < interaction.confidence <= 1.0
            rule_ids = {e.rule for e in interaction.evidence[1:]}
            assert rule_ids, f"no rule evidence for {interaction.label}"


def test_classify_no_signal_form_falls_back_with_low_confidence(classified, only) -> None:
    form = only(
        classified(
            """<form method="post" action="/x"><label for="a">Field A</label><input id="a" name="a">
            <label for="b">Pick</label><select id="b" name="b"><option>1</option></select></form>"""
        )
    )
    # an unknown input is not evidence of a service step: no confident two-way class
    assert form.needs_review or form.interaction_class not in {TRANS, CONS, COLLAB}
    assert form.needs_review == (form.runner_up is not None)


def test_classify_precedence_does_not_depend_on_rule_order(page, rules) -> None:
    body = CLOSED + JOB + PAGE_USEFUL + LOGIN + NEWSLETTER
    parsed = page(body)
    forward = classify(extract_interactions(parsed, rules=rules), parsed, rules)
    reversed_rules = dataclasses.replace(rules, rules=tuple(reversed(rules.rules)))
    parsed_again = page(body)
    backward = classify(
        extract_interactions(parsed_again, rules=reversed_rules), parsed_again, reversed_rules
    )
    assert [(i.interaction_class, i.four_cos, i.tags) for i in forward] == [
        (i.interaction_class, i.four_cos, i.tags) for i in backward
    ]


def test_classify_keeps_page_order_and_identity(page, rules: ClassificationRules) -> None:
    parsed = page('<a href="tel:1">one</a>' + SITE_SEARCH + '<a href="mailto:a@b.c">two</a>')
    raw = extract_interactions(parsed, rules=rules)
    done = classify(raw, parsed, rules)
    assert [i.id for i in done] == [i.id for i in raw]
    assert all(i.interaction_class is not None for i in done)
