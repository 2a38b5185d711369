"""What the signals read around an interaction. A contact route: its whole sentence, the
lead-in of its block, its section heading, the words of its address apart from the link's own
words, every mention of the same address (an action named anywhere outweighs "for questions"
elsewhere), and a meeting's dial-in line. A form: its name as well as its own text. Small
pages written here; docs/method.md explains the signals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dcaudit.classify.decision import interaction_features_of_page
from dcaudit.classify.features import FEATURES_FILE, load_feature_patterns
from dcaudit.classify.rules import ClassificationRules
from dcaudit.engine.packs import load_packs
from dcaudit.errors import RulePackError
from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import InteractionClass, Kind

from .conftest import Classifier, PageFactory


@pytest.fixture
def features(page: PageFactory, rules: ClassificationRules):
    """``features(body, kind)`` -> the features of every interaction of that kind, in order."""

    def run(body: str, kind: Kind) -> list[dict[str, float]]:
        parsed = page(body)
        found = extract_interactions(parsed, rules=rules)
        every = interaction_features_of_page(found, parsed, rules)
        return [f for i, f in zip(found, every, strict=True) if i.kind == kind]

    return run


@pytest.fixture
def contacts(features):
    """``contacts(body)`` -> the features of every contact route on the page, in order."""
    return lambda body: features(body, Kind.CONTACT)


def test_a_route_reads_its_whole_sentence_across_the_other_routes_in_it(contacts) -> None:
    phone, email = contacts(
        """<p>Lobbyists must register and report their activity. For assistance, please
        contact the Ethics Commission at <a href="tel:+15550100">555 0100</a> or
        <a href="mailto:ethics@c.example">ethics@c.example</a>.</p>"""
    )
    # the email's own clause is only " or ... ."; its sentence says what it is for
    assert email["contact_context:generic"] == email["contact:generic_clause"] == 1.0
    assert phone["contact:generic_clause"] == 1.0
    assert "contact_context:register" not in email  # the sentence before is not its own


def test_an_address_block_is_read_with_the_paragraph_that_leads_into_it(contacts) -> None:
    [email] = contacts(
        """<h2>Reporting errors</h2>
        <p>If you find a typographical or other formal error, please notify:</p>
        <p><strong>Reporter of Decisions</strong><br>1 Main Street<br>
        <a href="mailto:reporter@c.example">reporter@c.example</a></p>"""
    )
    assert email["contact_context:problem"] == email["contact:action_clause"] == 1.0
    assert email["contact_heading:report"] == 1.0


def test_a_paragraph_before_that_does_not_lead_in_is_not_read(contacts) -> None:
    [email] = contacts(
        """<p>If you find an error in these minutes, it will be corrected at the next meeting.</p>
        <p>Clerk's office, 1 Main Street,
        <a href="mailto:clerk@c.example">clerk@c.example</a></p>"""
    )
    assert "contact_context:problem" not in email and "contact:action_clause" not in email


def test_an_action_named_anywhere_outweighs_for_questions_elsewhere(contacts) -> None:
    comment, question = contacts(
        """<p>Members of the public can provide a live comment by calling
        <a href="tel:+15550100">555 0100</a>.</p>
        <p>If you have any questions about the meeting, please contact the office at
        <a href="tel:+15550100">555 0100</a>.</p>"""
    )
    for features in (comment, question):  # one address, one label: every link is the route
        assert features["contact:action_clause"] == 1.0
        assert "contact:generic_clause" not in features


def test_a_general_enquiry_stays_general_when_no_mention_names_an_action(contacts) -> None:
    [email] = contacts(
        """<p>If you have any questions before you send your application, email
        <a href="mailto:cards@c.example">cards@c.example</a>.</p>"""
    )
    assert email["contact:generic_clause"] == 1.0 and "contact:action_clause" not in email


def test_the_address_name_is_read_apart_from_the_link_words(contacts) -> None:
    bare, worded = contacts(
        """<p>Petitions office: <a href="mailto:submitapetition@c.example">
        submitapetition@c.example</a></p>
        <div><a href="mailto:planning@c.example?subject=Application%2024/0123">Email a
        submission</a></div>"""
    )
    assert bare["contact_address:submission"] == 1.0
    assert not any(k.startswith("contact_label:") for k in bare)  # the text is the address
    assert worded["contact_label:submission"] == worded["contact_label:apply"] == 1.0
    assert not any(k.startswith("contact_address:") for k in worded)  # "planning" says nothing


def test_a_meeting_dial_in_line_is_information_whatever_is_said_near_it(
    contacts, classified: Classifier
) -> None:
    body = """<p>To provide public comment, join the meeting. Or call in (audio only)
    <a href="tel:+15550100,,62643756#">+1 555 0100,,62643756#</a></p>"""
    [features] = contacts(body)
    assert features["action:dial_in"] == 1.0
    [line] = [i for i in classified(body) if i.kind == Kind.CONTACT]
    assert line.interaction_class == InteractionClass.INFORMATION
    assert line.evidence[0].rule == "hard/dial-in"
    [plain] = contacts('<p>To request to speak, call <a href="tel:+15550100">555 0100</a>.</p>')
    assert "action:dial_in" not in plain


def test_a_compound_unless_naming_no_compound_is_refused() -> None:
    [pack] = [p for p in load_packs() if FEATURES_FILE in p.data]
    data = dict(pack.data[FEATURES_FILE])
    odd = {"where": ["context"], "any": ["generic"], "unless": ["no_such"]}
    data["contact_text_compounds"] = {**data["contact_text_compounds"], "odd": odd}
    with pytest.raises(RulePackError, match=r"odd: 'unless' names no compound"):
        load_feature_patterns([replace(pack, data={FEATURES_FILE: data})])


def test_a_form_is_read_by_its_name_as_well_as_its_own_text(features) -> None:
    [updates] = features(
        """<h2>Register for updates</h2>
        <form method="post" action="/reviews/worcestershire"><label>Name <input name="name">
        </label><label>Email <input type="email" name="email"></label><button>Submit</button>
        </form>""",
        Kind.FORM,
    )
    assert updates["form_text:newsletter"] == 1.0  # said by the heading, not inside the form
    [plain] = features(
        """<h2>Your details</h2><form method="post" action="/apply"><label>Name
        <input name="name"></label><button>Continue</button></form>""",
        Kind.FORM,
    )
    assert "form_text:newsletter" not in plain


def test_a_chat_box_is_a_digital_layer_by_its_name_or_its_placeholder(
    features, classified: Classifier
) -> None:
    body = """<div id="help-chat"><form id="help-chat-form"><input type="text"
    id="help-chat-input" placeholder="Type your message here..."><button>Send</button>
    </form></div>"""
    [box] = features(body, Kind.FORM)
    assert box["element:chat"] == box["form_text:chat"] == 1.0
    [chat] = [i for i in classified(body) if i.kind == Kind.FORM]
    assert chat.interaction_class == InteractionClass.DIGITAL_LAYER
    assert chat.evidence[0].rule == "hard/webchat"
    # a form that mentions a chat among many fields is not a chat box
    long_form = """<form method="post" action="/apply"><p>Questions? Live chat is open 9 to 5.</p>
    <input name="first_name"><input name="last_name"><input type="email" name="email">
    <button>Continue</button></form>"""
    [apply] = [i for i in classified(long_form) if i.kind == Kind.FORM]
    assert not any(e.rule == "hard/webchat" for e in apply.evidence)


def test_a_wrapper_form_is_read_to_its_end_for_page_feedback(features) -> None:
    menu = "".join(f"<li><a href='/topic/{i}'>Topic {i}</a></li>" for i in range(30))
    article = "<p>Long guidance text about the condition.</p>" * 80
    [wrapper] = features(
        f"""<form id="aspnetForm" method="post" action="Page.aspx"><ul>{menu}</ul>{article}
        <h3>Ratings</h3><p>How helpful is this page?</p><a href="#rate1">1</a></form>""",
        Kind.FORM,
    )
    assert wrapper["wrapper"] == wrapper["form_text:feedback"] == 1.0
    # a small form is read for its first 3,000 characters only
    [small] = features(
        f"""<form method="post" action="/apply">{article}<p>How helpful is this page?</p>
        <input name="name"><button>Send</button></form>""",
        Kind.FORM,
    )
    assert "wrapper" not in small and "form_text:feedback" not in small


def test_page_feedback_questions_and_language_switches_are_read_as_such(features) -> None:
    [problem] = features(
        """<form method="post" action="/report-problem"><p>Please select all that apply:</p>
        <label><input type="checkbox" name="problem"> Something is broken</label>
        <label><input type="checkbox" name="problem"> I can't find what I'm looking for</label>
        <button>Submit</button></form>""",
        Kind.FORM,
    )
    assert problem["form_text:feedback"] == 1.0
    [ask] = features(
        """<h3>Ask a question about this article</h3><form method="post" action="/ask">
        <textarea name="question"></textarea><button>Send</button></form>""",
        Kind.FORM,
    )
    assert ask["form_text:feedback"] == 1.0
    [switch] = features(
        """<form method="post" action="/switch_lang/"><button>Gaeilge</button></form>""",
        Kind.FORM,
    )
    assert switch["form_text:language"] == 1.0
    [request] = features(
        """<h3>Request a toolkit</h3><form method="post" action="/toolkit"><input name="name">
        <input type="email" name="email"><button>Submit</button></form>""",
        Kind.FORM,
    )
    assert request["form_name:service_verb"] == 1.0
    # a service verb on a filter's button is not the form's name
    [filter_form] = features(
        """<h3>Recordings</h3><form method="get" action="/recordings"><input name="case">
        <input type="submit" value="Apply"></form>""",
        Kind.FORM,
    )
    assert "form_name:service_verb" not in filter_form


def test_a_submit_only_post_at_the_end_of_a_journey_is_a_service_step(
    classified: Classifier,
) -> None:
    body = """<div class="cookie-banner"><form method="post" action="/cookies/preferences">
    <button name="analytics" value="yes">Accept analytics cookies</button></form></div>
    <h1>Check your answers before sending your application</h1>
    <dl><dt>Name</dt><dd>Sarah Philips</dd></dl><h2>Now send your application</h2>
    <form method="post"><input type="hidden" name="checked" value="1">
    <button>Accept and send</button></form>"""
    cookies, send = [i for i in classified(body) if i.kind == Kind.FORM]
    assert send.interaction_class == InteractionClass.TRANSACTIONAL
    assert send.evidence[0].rule == "hard/service-step"
    # the cookie banner on the same page is no step of the service
    assert cookies.interaction_class == InteractionClass.UTILITY
    assert not any(e.rule == "hard/service-step" for e in cookies.evidence)
    # a submit-only form with nothing saying it ends a journey is left to the weights
    [lone] = [
        i
        for i in classified("<h2>Archive</h2><form method='post'><button>Go</button></form>")
        if i.kind == Kind.FORM
    ]
    assert not any(e.rule == "hard/service-step" for e in lone.evidence)


def test_a_question_page_asking_for_personal_facts_reads_as_a_service_step(features) -> None:
    [question] = features(
        """<form method="post" novalidate><fieldset><legend><h1>What is your date of birth?</h1>
        </legend><input name="dob-day" autocomplete="bday-day"><input name="dob-month"
        autocomplete="bday-month"><input name="dob-year" autocomplete="bday-year"></fieldset>
        <button class="govuk-button">Continue</button></form>""",
        Kind.FORM,
    )
    assert question["field:personal"] == question["autocomplete:personal"] == 1.0
    assert question["form_submit:continue"] == 1.0


def test_a_form_number_counts_as_a_form_where_its_list_or_clause_says_so(features) -> None:
    listed, report = features(
        """<h2>Forms</h2><ul><li><a href="/forms/dd2870.pdf">DD 2870</a></li></ul>
        <h2>Legislation</h2><ul><li><a href="/bills/sb123.pdf">SB 123</a></li></ul>""",
        Kind.DOCUMENT,
    )
    assert listed["doc:numbered_form"] == 1.0
    assert report["doc:form_number"] == 1.0 and "doc:numbered_form" not in report
    [completed] = features(
        """<p>Download and complete <a href="/docs/omb83i.pdf">OMB 83-I</a> and return it
        to the office.</p>""",
        Kind.DOCUMENT,
    )
    assert completed["doc:numbered_form"] == 1.0
