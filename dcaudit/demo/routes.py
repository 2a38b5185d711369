"""Dynamic pages and form handlers of the demo council site.

Every form POSTs and is answered with 303 See Other (post/redirect/get). Multi-step answers and
sign-in live in server-side state keyed by a cookie. Text typed by visitors is only ever
rendered through autoescaping templates.
"""

from __future__ import annotations

import json
import re

from dcaudit.demo.images import GALLERY, gallery_path, gallery_png
from dcaudit.demo.web import (
    CONTENT_TYPES,
    Handler,
    Request,
    Response,
    Site,
    cookie,
    local_path,
    redirect,
)

GARDEN_WASTE = "/services/waste/garden-waste/apply/"
PB_PAGE = "/have-your-say/your-community-your-choice/"
GARDEN_WASTE_COOKIE = "garden_waste"
SESSION_COOKIE = "session"
PB_COOKIE = "pb_voted"
_REFERENCE = re.compile(r"^[A-Z]{2,3}-\d{4}-\d{6}$")
_POSTCODE_AREA = re.compile(r"^\s*([A-Za-z]{1,2}\d{1,2})")

GARDEN_WASTE_ERRORS = {
    "details": "Enter your full name and an email address, like name@example.com.",
    "address": "Enter the building and street, the postcode and the number of bins.",
    "incomplete": "Some answers are missing. Start again from your details.",
}

# Simple forms: action -> (thank-you page, form key the page words its message by, reference
# prefix or None). Whether a form gives a reference is part of what the demo is testing.
SIMPLE_FORMS: dict[str, tuple[str, str, str | None]] = {
    "/contact/send": ("/thank-you/", "contact", None),
    "/contact/complaints/send": ("/thank-you/", "complaint", "CMP"),
    "/contact/call-back/request": ("/thank-you/", "call-back", None),
    "/contact/foi/send": ("/thank-you/", "foi", "FOI"),
    "/jobs/apply/send": ("/thank-you/", "job", "JOB"),
    "/newsletter/subscribe": ("/thank-you/", "newsletter", None),
    "/have-your-say/alerts/subscribe": ("/thank-you/", "alerts", None),
    "/volunteering/register": ("/thank-you/", "volunteer", None),
    "/have-your-say/citizens-panel/join": ("/thank-you/", "citizens-panel", None),
    "/feedback/send": ("/thank-you/", "service-feedback", None),
    "/have-your-say/consultations/local-transport-plan/respond/send": ("/thank-you/", "ltp", None),
    "/have-your-say/you-said-we-did/comment": ("/thank-you/", "yswd-comment", None),
    "/page-feedback/": ("/thank-you/", "page-feedback", None),
    "/cy/dweud-eich-dweud/cynllun-trafnidiaeth-lleol/ymateb": ("/cy/diolch/", "ltp", None),
}
THANK_YOU_KEYS = {key for _, key, _ in SIMPLE_FORMS.values()}


def simple_form(app: Site, request: Request) -> Response:
    page, key, prefix = SIMPLE_FORMS[request.path]
    location = f"{page}?form={key}"
    if prefix:
        location += f"&ref={app.state.issue_reference(prefix)}"
    return redirect(location)


def thank_you(app: Site, request: Request) -> Response:
    key = request.query_arg("form")
    reference = request.query_arg("ref")
    return app.render(
        request.path,
        form=key if key in THANK_YOU_KEYS else "",
        reference=reference if app.state.was_issued(reference) else "",
    )


def cookie_preferences(app: Site, request: Request) -> Response:
    choice = {"accept": "accepted", "reject": "rejected"}.get(request.form_field("cookies"))
    back = local_path(request.form_field("return_to"))
    if choice is None:
        return redirect(back)
    return redirect(back, cookie("cookies_policy", choice, max_age=365 * 24 * 3600))


# search and lookups ---------------------------------------------------------------------


def search(app: Site, request: Request) -> Response:
    query = request.query_arg("q")[:200]
    return app.render(request.path, query=query, results=app.index.search(query))


def bin_day(app: Site, request: Request) -> Response:
    postcode = request.query_arg("postcode")[:10].upper()
    match = _POSTCODE_AREA.match(postcode)
    day = app.state.bin_days.get(match.group(1)) if match else None
    if day:
        message = f"Your recycling, food waste and rubbish are collected on {day}."
    else:
        message = "We could not find that postcode. Check it and try again, or call 01632 960 456."
    body = json.dumps({"postcode": postcode, "day": day, "message": message}).encode("utf-8")
    return Response(body=body, content_type=CONTENT_TYPES[".json"])


def gallery_image(app: Site, request: Request) -> Response:
    name = request.path.rsplit("/", 1)[-1].removesuffix(".png")
    return Response(body=gallery_png(name), content_type=CONTENT_TYPES[".png"])


def robots_txt(app: Site, request: Request) -> Response:
    return app.render_file("robots.txt", CONTENT_TYPES[".txt"], origin=app.origin)


def sitemap_xml(app: Site, request: Request) -> Response:
    return app.render_file("sitemap.xml", CONTENT_TYPES[".xml"], origin=app.origin)


# garden waste permit: details -> address -> check -> confirmation -----------------------


def garden_waste_step(app: Site, request: Request) -> Response:
    token = request.cookies.get(GARDEN_WASTE_COOKIE, "")
    answers = app.state.answers(token)
    bins = int(answers["bins"] or "1")
    return app.render(
        request.path,
        answers=answers,
        cost=bins * app.state.price_per_bin,
        error=GARDEN_WASTE_ERRORS.get(request.query_arg("error"), ""),
    )


def garden_waste_details(app: Site, request: Request) -> Response:
    answers = {name: request.form_field(name, 200) for name in ("full_name", "email", "phone")}
    if not answers["full_name"] or "@" not in answers["email"]:
        return redirect(f"{GARDEN_WASTE}details/?error=details")
    token = request.cookies.get(GARDEN_WASTE_COOKIE, "")
    cookies = []
    if not app.state.save_answers(token, answers):
        token = app.state.new_application_session()
        app.state.save_answers(token, answers)
        cookies.append(cookie(GARDEN_WASTE_COOKIE, token))
    return redirect(f"{GARDEN_WASTE}address/", *cookies)


def garden_waste_address(app: Site, request: Request) -> Response:
    answers = {name: request.form_field(name, 200) for name in ("address_line", "town", "postcode")}
    answers["bins"] = request.form_field("bins")
    if (
        not answers["address_line"]
        or not answers["postcode"]
        or answers["bins"] not in ("1", "2", "3")
    ):
        return redirect(f"{GARDEN_WASTE}address/?error=address")
    if not app.state.save_answers(request.cookies.get(GARDEN_WASTE_COOKIE, ""), answers):
        return redirect(f"{GARDEN_WASTE}details/?error=incomplete")
    return redirect(f"{GARDEN_WASTE}check/")


def garden_waste_submit(app: Site, request: Request) -> Response:
    application = app.state.submit_application(request.cookies.get(GARDEN_WASTE_COOKIE, ""))
    if application is None:
        return redirect(f"{GARDEN_WASTE}details/?error=incomplete")
    return redirect(f"{GARDEN_WASTE}confirmation/?ref={application.reference}")


def garden_waste_confirmation(app: Site, request: Request) -> Response:
    token = request.cookies.get(GARDEN_WASTE_COOKIE, "")
    application = app.state.application(request.query_arg("ref"), token)
    return app.render(request.path, status=200 if application else 404, application=application)


# report a problem and the public list of reports ----------------------------------------

REPORT_FORMS = {
    # action: (form page, confirmation page, message when the location is missing)
    "/report/send": ("/report/", "/report/confirmation/", "Enter where the problem is."),
    "/cy/rhoi-gwybod/anfon": (
        "/cy/rhoi-gwybod/",
        "/cy/rhoi-gwybod/cadarnhad/",
        "Rhowch leoliad y broblem.",
    ),
}


def report_form(app: Site, request: Request) -> Response:
    missing = next(m for page, _, m in REPORT_FORMS.values() if page == request.path)
    return app.render(
        request.path, error=missing if request.query_arg("error") == "location" else ""
    )


def report_send(app: Site, request: Request) -> Response:
    form_page, confirmation, _ = REPORT_FORMS[request.path]
    location = request.form_field("location", 200)
    if not location:
        return redirect(f"{form_page}?error=location")
    report = app.state.add_report(
        request.form_field("type"), location, request.form_field("description", 1000)
    )
    return redirect(f"{confirmation}?ref={report.reference}")


def report_confirmation(app: Site, request: Request) -> Response:
    report = app.state.find_report(request.query_arg("ref"))
    return app.render(request.path, status=200 if report else 404, report=report)


def report_list(app: Site, request: Request) -> Response:
    status = request.query_arg("status")
    if status not in app.state.statuses:
        status = ""
    return app.render(
        request.path,
        reports=app.state.reports(status),
        all_reports=app.state.reports(),
        statuses=list(app.state.statuses.items()),
        selected_status=status,
    )


def report_update(app: Site, request: Request) -> Response:
    reference = request.form_field("reference")
    text = request.form_field("update", 500)
    if text and _REFERENCE.match(reference):
        app.state.add_update(reference, text)
        return redirect(f"/report/reports/#{reference}")
    return redirect("/report/reports/")


# participatory budgeting ----------------------------------------------------------------

PB_MESSAGES = {
    "voted": "Thank you. Your vote has been counted and the totals below include it.",
    "already": "You have already voted from this browser. Each resident can vote once.",
    "choose": "Choose a project to vote for.",
}


def pb_page(app: Site, request: Request) -> Response:
    projects = app.state.projects()
    total = sum(p.votes for p in projects)
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "summary": p.summary,
            "cost": f"{p.cost:,}",
            "votes": p.votes,
            "share": round(100 * p.votes / total) if total else 0,
        }
        for p in projects
    ]
    message = PB_MESSAGES.get(request.query_arg("message"), "")
    return app.render(request.path, projects=rows, total_votes=total, message=message)


def pb_vote(app: Site, request: Request) -> Response:
    if request.cookies.get(PB_COOKIE):
        return redirect(f"{PB_PAGE}?message=already")
    if not app.state.vote(request.form_field("project")):
        return redirect(f"{PB_PAGE}?message=choose")
    return redirect(f"{PB_PAGE}?message=voted", cookie(PB_COOKIE, "1", max_age=60 * 24 * 3600))


# My account (behind a login) ------------------------------------------------------------


def login_page(app: Site, request: Request) -> Response:
    return app.render(request.path, error="")


def login(app: Site, request: Request) -> Response:
    token = app.state.sign_in(request.form_field("email", 200), request.form_field("password", 200))
    if token is None:
        error = "Enter a correct email address and password."
        return app.render(request.path, status=401, error=error)
    return redirect("/my-account/", cookie(SESSION_COOKIE, token))


def account(app: Site, request: Request) -> Response:
    if not app.state.signed_in(request.cookies.get(SESSION_COOKIE, "")):
        return redirect("/my-account/login/")
    return app.render(request.path, account=app.state.account)


def sign_out(app: Site, request: Request) -> Response:
    app.state.sign_out(request.cookies.get(SESSION_COOKIE, ""))
    return redirect("/", cookie(SESSION_COOKIE, "", max_age=0))


GET_ROUTES: dict[str, Handler] = {
    "/robots.txt": robots_txt,
    "/sitemap.xml": sitemap_xml,
    "/search/": search,
    "/api/bin-day": bin_day,
    "/thank-you/": thank_you,
    "/cy/diolch/": thank_you,
    f"{GARDEN_WASTE}details/": garden_waste_step,
    f"{GARDEN_WASTE}address/": garden_waste_step,
    f"{GARDEN_WASTE}check/": garden_waste_step,
    f"{GARDEN_WASTE}confirmation/": garden_waste_confirmation,
    "/report/": report_form,
    "/cy/rhoi-gwybod/": report_form,
    "/report/confirmation/": report_confirmation,
    "/cy/rhoi-gwybod/cadarnhad/": report_confirmation,
    "/report/reports/": report_list,
    PB_PAGE: pb_page,
    "/my-account/login/": login_page,
    "/my-account/": account,
    "/my-account/sign-out/": sign_out,
    **{gallery_path(name): gallery_image for name in GALLERY},
}

POST_ROUTES: dict[str, Handler] = {
    "/cookies/preferences": cookie_preferences,
    f"{GARDEN_WASTE}details/": garden_waste_details,
    f"{GARDEN_WASTE}address/": garden_waste_address,
    f"{GARDEN_WASTE}check/": garden_waste_submit,
    "/report/send": report_send,
    "/cy/rhoi-gwybod/anfon": report_send,
    "/report/updates/": report_update,
    f"{PB_PAGE}vote": pb_vote,
    "/my-account/login/": login,
    **{action: simple_form for action in SIMPLE_FORMS},
}
