"""Forms and input groups: fields, method, target, submit text, label."""

from __future__ import annotations

from dcaudit.models import Kind

APPLY_FORM = """
<main>
<h1>Apply for a parking permit</h1>
<form action="/permits/apply" method="post">
  <input type="hidden" name="token" value="x">
  <label for="name">Full name</label>
  <input id="name" name="name" required autocomplete="name">
  <fieldset><legend>Permit length</legend>
    <input type="radio" id="l6" name="length" value="6"><label for="l6">6 months</label>
    <input type="radio" id="l12" name="length" value="12"><label for="l12">12 months</label>
  </fieldset>
  <label>Email <input type="email" name="email" aria-required="true"></label>
  <input type="submit" value="Apply and pay">
</form>
</main>
"""


def test_extract_forms_fields_method_target_and_submit(extracted, only) -> None:
    form = only(extracted(APPLY_FORM))
    assert form.kind == Kind.FORM
    assert form.method == "POST"
    assert form.target == "https://www.northtown.gov.uk/permits/apply"
    assert form.submit_text == "Apply and pay"
    assert [(f.name, f.type, f.label) for f in form.fields] == [
        ("name", "text", "Full name"),
        ("length", "radio", "Permit length"),
        ("email", "email", "Email"),
    ]
    assert form.fields[0].required and form.fields[0].autocomplete == "name"
    assert form.fields[2].required  # aria-required
    assert form.label == "Apply for a parking permit"  # nearest preceding heading
    assert form.heading == "Apply for a parking permit"


def test_extract_forms_without_action_target_the_page_and_default_to_get(extracted, only) -> None:
    form = only(extracted('<form><input name="q" aria-label="Find"><button>Go</button></form>'))
    assert form.target == "https://www.northtown.gov.uk/services/example"
    assert form.method == "GET"
    assert form.submit_text == "Go"


def test_extract_forms_label_prefers_aria_then_inner_heading_then_submit(extracted) -> None:
    forms = extracted(
        """
        <h2>Page section</h2>
        <form aria-label="Site search"><input name="q"><button>Search</button></form>
        <form><h3>Was this page useful?</h3><button>Yes</button></form>
        <form aria-labelledby="t"><input name="a"></form><p id="t">Labelled elsewhere</p>
        """
    )
    assert [f.label for f in forms] == [
        "Site search",
        "Was this page useful?",
        "Labelled elsewhere",
    ]
    bare = extracted("<form><input name='x'><button>Send it</button></form>")
    assert bare[0].label == "Send it"


def test_extract_forms_controls_with_form_attribute_join_their_form(extracted, only) -> None:
    form = only(
        extracted(
            """<form id="f1" action="/send" method="post"></form>
            <label for="outside">Your comment</label>
            <textarea id="outside" name="comment" form="f1"></textarea>
            <button form="f1" type="submit">Send comment</button>"""
        )
    )
    assert [f.name for f in form.fields] == ["comment"]
    assert form.submit_text == "Send comment"


def test_extract_forms_input_group_without_form_is_one_interaction(extracted, only) -> None:
    group = only(
        extracted(
            """<div id="bin-lookup"><h2>Find your bin day</h2>
            <label for="pc">Postcode</label><input id="pc" name="postcode">
            <button type="button">Find</button></div>"""
        )
    )
    assert group.kind == Kind.FORM
    assert group.selector == "#bin-lookup"
    assert group.label == "Find your bin day"
    assert group.method is None  # sent by script: not visible in the HTML
    assert group.submit_text == "Find"


def test_extract_forms_lone_control_without_a_button_is_not_an_interaction(extracted) -> None:
    assert extracted('<select name="lang"><option>English</option></select>') == []


def test_extract_forms_skip_hidden_disabled_and_inert_controls(extracted, only) -> None:
    form = only(
        extracted(
            """<form method="post"><input name="a" aria-label="A">
            <input name="b" hidden><input name="c" disabled aria-label="C">
            <input name="d" style="display: none"><button>Send</button></form>
            <template><form><input name="t"></form></template>"""
        )
    )
    assert [f.name for f in form.fields] == ["a"]


FEEDBACK_FORM = """
<main>
<h2>Christmas and bank holidays</h2>
<p>Collections move by one day in a bank holiday week.</p>
<form action="/page-feedback/" method="post">
  <fieldset><legend>Was this page useful?</legend>
    <input type="hidden" name="page" value="/bins/">
    <button name="useful" value="yes">Yes</button> <button name="useful" value="no">No</button>
  </fieldset>
</form>
</main>
"""


def test_extract_forms_label_is_the_legend_of_a_form_that_is_one_fieldset(extracted, only) -> None:
    form = only(extracted(FEEDBACK_FORM))
    assert form.label == "Was this page useful?"
    assert form.heading == "Christmas and bank holidays"
