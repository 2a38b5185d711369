"""Contact channels, documents and off-site service links."""

from __future__ import annotations

from dcaudit.extract.interactions import extract_interactions
from dcaudit.models import Kind


def test_extract_links_contact_channels(extracted) -> None:
    found = extracted(
        """<p><a href="mailto:help@northtown.gov.uk">Email us</a>
        <a href="tel:01632960000">01632 960000</a> <a href="sms:07700900000">Text us</a></p>"""
    )
    assert [(i.kind, i.target, i.label) for i in found] == [
        (Kind.CONTACT, "mailto:help@northtown.gov.uk", "Email us"),
        (Kind.CONTACT, "tel:01632960000", "01632 960000"),
        (Kind.CONTACT, "sms:07700900000", "Text us"),
    ]


def test_extract_links_documents_by_extension_type_or_text_hint(extracted) -> None:
    found = extracted(
        """<ul><li><a href="/docs/Plan.PDF">Plan</a></li>
        <li><a href="/download?id=4" type="application/vnd.oasis.opendocument.text">Form</a></li>
        <li><a href="/download?id=5">Leaflet (PDF, 2MB)</a></li>
        <li><a href="https://files.example.org/data.csv?v=2">Spending data</a></li>
        <li><a href="/services/bins">Bins</a></li></ul>"""
    )
    assert [(i.kind, i.label) for i in found] == [
        (Kind.DOCUMENT, "Plan"),
        (Kind.DOCUMENT, "Form"),
        (Kind.DOCUMENT, "Leaflet (PDF, 2MB)"),
        (Kind.DOCUMENT, "Spending data"),
    ]


def test_extract_links_in_scope_links_are_not_interactions(extracted) -> None:
    assert extracted('<a href="/report-a-pothole">Report a pothole</a>') == []
    assert extracted('<a href="https://www.northtown.gov.uk/apply">Apply for a permit</a>') == []


def test_extract_links_off_site_kept_only_when_recognised(extracted) -> None:
    found = extracted(
        """<a href="https://www.facebook.com/northtown">Facebook</a>
        <a href="https://www.gov.uk/apply-blue-badge">Apply for a Blue Badge</a>
        <a href="https://www.example-news.co.uk/story">Local newspaper</a>
        <a href="https://www.gov.uk/conditions">Terms and conditions apply</a>
        <a href="https://www.gov.uk/universal-credit">Find out more about Universal Credit</a>
        <a href="https://www.example-maps.co.uk/">Ordnance Survey maps</a>
        <a href="https://www.gov.uk/rules">Check which rules apply to you</a>"""
    )
    assert [(i.kind, i.label, i.platform) for i in found] == [
        (Kind.LINK, "Facebook", "Facebook"),
        (Kind.LINK, "Apply for a Blue Badge", None),
    ]


def test_extract_links_in_scope_follows_the_crawler_scope(page, rules) -> None:
    parsed = page('<a href="https://consult.northtown.gov.uk/plan">Have your say</a>')
    assert len(extract_interactions(parsed, rules=rules)) == 1
    in_scope = extract_interactions(parsed, lambda url: "northtown.gov.uk" in url, rules=rules)
    assert in_scope == []


def test_extract_links_image_alt_gives_the_label(extracted) -> None:
    found = extracted(
        '<a href="https://x.com/northtown"><img src="x.svg" alt="Follow us on X"></a>'
    )
    assert found[0].label == "Follow us on X"


def test_extract_links_postal_address_only_near_a_call_to_action(extracted) -> None:
    found = extracted(
        """<section><h2>Write to us</h2><address>Town Hall, Northtown NT1 1AA</address></section>
        <section><h2>Our offices</h2><address>Depot, Mill Lane, Northtown</address></section>"""
    )
    assert [(i.kind, i.label) for i in found] == [(Kind.CONTACT, "Town Hall, Northtown NT1 1AA")]
    assert found[0].target is None
