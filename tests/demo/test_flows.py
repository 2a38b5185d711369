"""The demo site's two-way flows, driven through real HTTP POSTs as a resident would."""

from __future__ import annotations

import re

import httpx
import lxml.html
import pytest

from dcaudit.demo import DemoServer
from dcaudit.demo.routes import SIMPLE_FORMS

APPLY = "/services/waste/garden-waste/apply/"
PB = "/have-your-say/your-community-your-choice/"


def text_of(response: httpx.Response, selector_id: str) -> str:
    element = lxml.html.document_fromstring(response.content).get_element_by_id(selector_id)
    return " ".join(element.text_content().split())


def test_garden_waste_application_ends_with_a_reference_number(client: httpx.Client) -> None:
    details = {"full_name": "Sam Jones", "email": "sam@example.com", "phone": "01632 960 555"}
    response = client.post(f"{APPLY}details/", data=details)
    assert response.status_code == 303
    assert response.headers["location"] == f"{APPLY}address/"
    assert "garden_waste" in response.cookies

    address = {"address_line": "3 Heol y Bryn", "town": "Bryncastell", "postcode": "BC1 4RT"}
    response = client.post(f"{APPLY}address/", data={**address, "bins": "2"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{APPLY}check/"

    check = client.get(f"{APPLY}check/")
    assert check.status_code == 200
    assert "Sam Jones" in check.text
    assert "3 Heol y Bryn, Bryncastell, BC1 4RT" in check.text
    assert "£96" in check.text  # 2 bins at £48

    response = client.post(f"{APPLY}check/")
    assert response.status_code == 303
    assert response.headers["location"] == f"{APPLY}confirmation/?ref=GW-2026-004512"

    confirmation = client.get(response.headers["location"])
    assert confirmation.status_code == 200
    assert "GW-2026-004512" in text_of(confirmation, "main")
    assert "sam@example.com" in confirmation.text


def test_garden_waste_references_count_up(client: httpx.Client) -> None:
    references = []
    for _ in range(2):
        client.post(f"{APPLY}details/", data={"full_name": "A B", "email": "a@example.com"})
        client.post(
            f"{APPLY}address/", data={"address_line": "1 High St", "postcode": "BC2", "bins": "1"}
        )
        references.append(client.post(f"{APPLY}check/").headers["location"].split("ref=")[1])
    assert references == ["GW-2026-004512", "GW-2026-004513"]


def test_garden_waste_missing_answers_send_you_back_with_an_error(client: httpx.Client) -> None:
    response = client.post(f"{APPLY}details/", data={"full_name": "", "email": "nope"})
    assert response.headers["location"] == f"{APPLY}details/?error=details"
    page = client.get(response.headers["location"])
    assert "There is a problem" in page.text

    response = client.post(f"{APPLY}check/")  # nothing answered in this session
    assert response.headers["location"] == f"{APPLY}details/?error=incomplete"


def test_garden_waste_confirmation_is_private_to_the_session(server: DemoServer) -> None:
    with httpx.Client(base_url=server.url) as applicant:
        applicant.post(f"{APPLY}details/", data={"full_name": "A B", "email": "a@example.com"})
        applicant.post(
            f"{APPLY}address/", data={"address_line": "1 High St", "postcode": "BC2", "bins": "1"}
        )
        location = applicant.post(f"{APPLY}check/").headers["location"]
        assert applicant.get(location).status_code == 200
    with httpx.Client(base_url=server.url) as stranger:
        response = stranger.get(location)
        assert response.status_code == 404
        assert "a@example.com" not in response.text


def test_participatory_budget_vote_changes_the_totals(client: httpx.Client) -> None:
    before = client.get(PB)
    assert text_of(before, "votes-play-area") == "412"
    assert "1578 votes so far" in before.text

    response = client.post(f"{PB}vote", data={"project": "play-area", "postcode": "BC1 4RT"})
    assert response.status_code == 303
    after = client.get(response.headers["location"])
    assert text_of(after, "votes-play-area") == "413"
    assert "1579 votes so far" in after.text
    assert "Your vote has been counted" in after.text


def test_participatory_budget_counts_one_vote_per_browser(client: httpx.Client) -> None:
    client.post(f"{PB}vote", data={"project": "defibrillators"})
    again = client.post(f"{PB}vote", data={"project": "defibrillators"})
    assert again.headers["location"].endswith("?message=already")
    assert text_of(client.get(PB), "votes-defibrillators") == "389"


def test_participatory_budget_rejects_unknown_project(client: httpx.Client) -> None:
    response = client.post(f"{PB}vote", data={"project": "<script>"})
    assert response.headers["location"].endswith("?message=choose")
    assert "pb_voted" not in response.cookies


def test_login_protects_the_account_page(client: httpx.Client) -> None:
    response = client.get("/my-account/")
    assert response.status_code == 303
    assert response.headers["location"] == "/my-account/login/"

    wrong = client.post(
        "/my-account/login/", data={"email": "resident@example.com", "password": "guess"}
    )
    assert wrong.status_code == 401
    assert "Enter a correct email address and password" in wrong.text
    assert client.get("/my-account/").status_code == 303

    right = client.post(
        "/my-account/login/",
        data={"email": "Resident@example.com", "password": "bryncastell-demo"},
    )
    assert right.status_code == 303
    assert right.headers["location"] == "/my-account/"
    account = client.get("/my-account/")
    assert account.status_code == 200
    assert text_of(account, "council-tax-balance") == "£1,079.58"

    client.get("/my-account/sign-out/")
    assert client.get("/my-account/").status_code == 303


def test_search_finds_pages_by_their_words(client: httpx.Client) -> None:
    response = client.get("/search/", params={"q": "garden waste permit"})
    assert response.status_code == 200
    results = lxml.html.document_fromstring(response.content).xpath(
        "//ol[@class='search-results']/li/a/@href"
    )
    assert results[0] == "/services/waste/garden-waste/"
    assert "/admin/" not in results
    assert not any(r.startswith(APPLY) for r in results)  # form steps are not indexed


def test_search_with_no_match_and_markup_in_the_query(client: httpx.Client) -> None:
    response = client.get("/search/", params={"q": "<script>zzqx</script>"})
    assert response.status_code == 200
    assert "0 results" in response.text
    assert "<script>zzqx" not in response.text
    assert "&lt;script&gt;zzqx" in response.text


def test_report_appears_on_the_public_list_with_its_status(client: httpx.Client) -> None:
    report = {"type": "fly_tipping", "location": "Lon Isaf car park", "description": "Tyres"}
    response = client.post("/report/send", data=report)
    assert response.status_code == 303
    assert response.headers["location"] == "/report/confirmation/?ref=FT-2026-000402"
    assert "FT-2026-000402" in client.get(response.headers["location"]).text

    listing = client.get("/report/reports/")
    article = text_of(listing, "FT-2026-000402")
    assert "Lon Isaf car park" in article
    assert "Reported" in article

    update = client.post(
        "/report/updates/", data={"reference": "FT-2026-000402", "update": "Now <b>more</b> tyres"}
    )
    assert update.status_code == 303
    listing = client.get("/report/reports/")
    assert "Now <b>more</b> tyres" in text_of(listing, "FT-2026-000402")
    assert "<b>more</b>" not in listing.text  # visitors' text is escaped


def test_report_list_filters_by_status(client: httpx.Client) -> None:
    fixed = client.get("/report/reports/", params={"status": "fixed"})
    assert re.findall(r'<article class="inset" id="([^"]+)"', fixed.text) == ["PH-2026-001187"]


def test_report_without_location_goes_back_with_an_error(client: httpx.Client) -> None:
    response = client.post("/report/send", data={"type": "pothole", "location": ""})
    assert response.headers["location"] == "/report/?error=location"
    assert "Enter where the problem is" in client.get(response.headers["location"]).text


def test_welsh_report_gets_a_reference_and_a_welsh_confirmation(client: httpx.Client) -> None:
    response = client.post("/cy/rhoi-gwybod/anfon", data={"type": "pothole", "location": "Stryd"})
    assert response.headers["location"] == "/cy/rhoi-gwybod/cadarnhad/?ref=PH-2026-001201"
    page = client.get(response.headers["location"])
    assert 'lang="cy"' in page.text
    assert "Eich cyfeirnod" in page.text
    assert "PH-2026-001201" in page.text


@pytest.mark.parametrize("action", sorted(SIMPLE_FORMS))
def test_simple_forms_answer_with_a_thank_you_page(client: httpx.Client, action: str) -> None:
    page, key, prefix = SIMPLE_FORMS[action]
    response = client.post(action, data={"name": "Sam", "email": "sam@example.com"})
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"{page}?form={key}")
    assert ("&ref=" in location) == (prefix is not None)
    thank_you = client.get(location)
    assert thank_you.status_code == 200
    if prefix:
        reference = location.split("ref=")[1]
        assert re.fullmatch(rf"{prefix}-2026-\d{{6}}", reference)
        assert reference in thank_you.text


def test_thank_you_page_ignores_references_it_never_issued(client: httpx.Client) -> None:
    page = client.get("/thank-you/", params={"form": "foi", "ref": "FOI-2026-999999"})
    assert "FOI-2026-999999" not in page.text


def test_cookie_choice_is_saved_and_returns_to_the_page(client: httpx.Client) -> None:
    response = client.post(
        "/cookies/preferences", data={"cookies": "reject", "return_to": "/news/"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/news/"
    assert response.cookies["cookies_policy"] == "rejected"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/x\r\nSet-Cookie: a=b"]
)
def test_cookie_choice_never_redirects_off_site(client: httpx.Client, target: str) -> None:
    response = client.post("/cookies/preferences", data={"cookies": "accept", "return_to": target})
    assert response.headers["location"] == "/"


def test_bin_day_lookup_answers_in_json(client: httpx.Client) -> None:
    found = client.get("/api/bin-day", params={"postcode": "bc3 2ab"}).json()
    assert found["day"] == "Thursday"
    missing = client.get("/api/bin-day", params={"postcode": "ZZ9"}).json()
    assert missing["day"] is None
    assert "could not find" in missing["message"]
