"""The demo site never makes the browser fetch from another host, except its expected embeds."""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable

from dcaudit.demo import site_root

from .conftest import Fetched

# Off-site resources a browser loads: the complaints form's CAPTCHA and the embedded survey.
# Offline, these fail fast and are only recorded by an audit.
EXPECTED_EMBEDS = {
    "https://www.google.com/recaptcha/api.js",
    "https://www.smartsurvey.co.uk/s/bryncastell-libraries-2026/",
}
# Off-site links and form targets a resident may follow (never fetched by the page itself).
EXPECTED_LINKS = {
    "https://www.payments.service.gov.uk/pay/bryncastell-council-tax",
    "https://consult.bryncastell.gov.uk/leisure/library-opening-hours-2025/",
    "https://www.facebook.com/BryncastellCouncil",
    "https://www.instagram.com/bryncastellcouncil",
}
# attributes that make a browser fetch something as the page loads
LOADING_ELEMENTS = [
    "script",
    "iframe",
    "img",
    "embed",
    "source",
    "video",
    "audio",
    "object",
    "input",
]
LOADING_ATTRIBUTES = " | ".join(
    [
        f"//{tag}/@src | //{tag}/@data | //{tag}/@srcset | //{tag}/@poster"
        for tag in LOADING_ELEMENTS
    ]
    + ["//link[not(@rel='alternate')]/@href"]
)
NAVIGATION_ATTRIBUTES = "//a/@href | //area/@href | //form/@action | //link[@rel='alternate']/@href"
_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"(?:https?:)?//[^\s\"'()<>]+", re.IGNORECASE)


def absolute(values: list[str]) -> set[str]:
    return {value.strip() for value in values if _ABSOLUTE.match(value.strip())}


def test_pages_load_resources_only_from_the_site_or_expected_embeds(
    html_pages: dict[str, Fetched],
) -> None:
    seen: set[str] = set()
    for path, page in html_pages.items():
        tree = page.tree()
        found = absolute([str(v) for v in tree.xpath(LOADING_ATTRIBUTES)])
        assert found <= EXPECTED_EMBEDS, path
        styles = " ".join(str(s) for s in tree.xpath("//style/text() | //@style"))
        assert not _URL_IN_TEXT.search(styles), path
        seen |= found
    assert seen == EXPECTED_EMBEDS  # both embeds are really there


def test_pages_link_off_site_only_to_expected_services(html_pages: dict[str, Fetched]) -> None:
    seen: set[str] = set()
    for path, page in html_pages.items():
        found = absolute([str(v) for v in page.tree().xpath(NAVIGATION_ATTRIBUTES)])
        assert found <= EXPECTED_LINKS, path
        seen |= found
    assert seen == EXPECTED_LINKS


def assets(folder: Traversable) -> list[Traversable]:
    found = []
    for child in folder.iterdir():
        if child.is_dir():
            found.extend(assets(child))
        elif child.name.endswith((".css", ".js")):
            found.append(child)
    return found


def test_stylesheets_and_scripts_fetch_nothing_off_site() -> None:
    files = assets(site_root())
    assert len(files) >= 4
    for file in files:
        assert not _URL_IN_TEXT.search(file.read_text(encoding="utf-8")), file.name
