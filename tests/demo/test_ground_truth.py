"""ground_truth.yaml: valid against the enums, consistent with docs/method.md, complete."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.html
import pytest
import yaml

from dcaudit.demo import DemoServer, ground_truth_path
from dcaudit.models import FourCo, InteractionClass, Kind, Participation

from .conftest import Fetched

KEYS = {"page", "kind", "match", "class", "four_cos", "participation", "closes_loop", "tags", "why"}
TAGS = {"site_feedback", "job_application", "foi", "requires_javascript", "captcha", "login"}
DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx")
CAPTCHA_SCRIPTS = ("google.com/recaptcha", "hcaptcha.com", "challenges.cloudflare.com")
# docs/method.md "Interaction classes": the IAP2 levels each class may carry
PARTICIPATION_OF_CLASS: dict[str, set[str | None]] = {
    "utility": {None},
    "information": {"inform"},
    "digital_layer": {"inform"},
    "transactional": {None},
    "consultative": {"consult"},
    "collaborative": {"involve", "collaborate", "empower"},
}


def load() -> dict[str, Any]:
    data = yaml.safe_load(ground_truth_path().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


ENTRIES: list[dict[str, Any]] = load()["interactions"]


def test_ground_truth_header() -> None:
    data = load()
    assert data["version"] == 1
    assert data["site"] == "Bryncastell County Borough Council (fictional)"
    assert set(data) == {"version", "site", "interactions"}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e['page']}:{e['match']}")
def test_ground_truth_entry_uses_dcaudit_vocabulary(entry: dict[str, Any]) -> None:
    assert set(entry) == KEYS
    assert entry["page"] == "*" or (entry["page"].startswith("/") and entry["page"].endswith("/"))
    assert Kind(entry["kind"])
    assert InteractionClass(entry["class"])
    assert all(FourCo(co) for co in entry["four_cos"])
    assert len(set(entry["four_cos"])) == len(entry["four_cos"])
    assert entry["participation"] is None or Participation(entry["participation"])
    assert isinstance(entry["closes_loop"], bool)
    assert set(entry["tags"]) <= TAGS
    assert isinstance(entry["match"], str) and entry["match"].strip()
    assert isinstance(entry["why"], str) and len(entry["why"]) > 20


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e['page']}:{e['match']}")
def test_ground_truth_entry_follows_design_rules(entry: dict[str, Any]) -> None:
    cls, cos = entry["class"], entry["four_cos"]
    assert entry["participation"] in PARTICIPATION_OF_CLASS[cls]
    if cls in ("utility", "information", "digital_layer"):
        assert cos == [] and not entry["closes_loop"]
    elif cls == "transactional":
        # job applications and FOI requests are transactions, not co-production of a service
        expected = [] if {"job_application", "foi"} & set(entry["tags"]) else ["co_delivery"]
        assert cos == expected
    else:
        assert cos


def test_ground_truth_covers_every_class_several_times() -> None:
    counts = Counter(entry["class"] for entry in ENTRIES)
    assert set(counts) == {c.value for c in InteractionClass}
    assert min(counts.values()) >= 4, counts


def test_ground_truth_includes_design_false_positives() -> None:
    def find(**wanted: Any) -> list[dict[str, Any]]:
        return [e for e in ENTRIES if all(e[k] == v for k, v in wanted.items())]

    assert find(tags=["site_feedback"], **{"class": "consultative"})
    assert find(tags=["login"], **{"class": "utility"})
    assert find(tags=["foi"], **{"class": "transactional"})
    assert find(tags=["job_application"], **{"class": "transactional"})
    assert any("newsletter" in e["match"] for e in find(**{"class": "information"}))
    assert any("search" in e["match"] for e in find(page="*", **{"class": "utility"}))
    assert any("cookie" in e["match"] for e in find(page="*", **{"class": "utility"}))
    closed = find(page="/have-your-say/consultations/library-opening-hours/")
    assert [(e["class"], e["closes_loop"]) for e in closed] == [("consultative", False)]


def test_ground_truth_pages_exist_and_are_crawlable(
    shared_server: DemoServer, html_pages: dict[str, Fetched]
) -> None:
    with httpx.Client(base_url=shared_server.url) as http:
        for page in sorted({e["page"] for e in ENTRIES} - {"*"}):
            assert http.get(page).status_code == 200, page
            assert page in html_pages, f"{page} is not reachable by links from / or the sitemap"


@dataclass(frozen=True)
class Candidate:
    kind: str
    target: str
    label: str


def words(element: lxml.html.HtmlElement) -> str:
    return " ".join(" ".join([element.get("aria-label") or "", element.text_content()]).split())


def candidates(page: Fetched, origin: str) -> list[Candidate]:
    """Interactions by docs/method.md's 'Where interactions come from', from the raw HTML."""
    tree = page.tree()
    url = origin + page.path
    host = urlsplit(origin).netloc
    found = [
        Candidate("form", urljoin(url, form.get("action") or ""), words(form))
        for form in tree.iter("form")
    ]
    groups = []
    for control in tree.xpath("//input[not(ancestor::form)][not(@type='hidden')]"):
        group = next((a for a in control.iterancestors() if a.xpath(".//button")), None)
        if group is not None and group not in groups:
            groups.append(group)
            found.append(Candidate("form", "", words(group)))
    for frame in tree.xpath("//iframe[@src]"):
        found.append(Candidate("embed", frame.get("src"), words(frame)))
    for script in tree.xpath("//script[@src]"):
        src = urljoin(url, script.get("src"))
        if urlsplit(src).netloc != host and not any(c in src for c in CAPTCHA_SCRIPTS):
            found.append(Candidate("embed", src, ""))
    for address in tree.iter("address"):
        found.append(Candidate("contact", "", words(address)))
    for link in tree.xpath("//a[@href]"):
        href = urljoin(url, link.get("href").strip())
        scheme, netloc, path = urlsplit(href)[:3]
        if scheme in ("mailto", "tel", "sms"):
            found.append(Candidate("contact", href, words(link)))
        elif path.lower().endswith(DOCUMENT_SUFFIXES):
            found.append(Candidate("document", href, words(link)))
        elif scheme in ("http", "https") and netloc != host:
            found.append(Candidate("link", href, words(link)))
    return found


def matches(entry: dict[str, Any], candidate: Candidate) -> bool:
    needle = entry["match"].lower()
    return entry["kind"] == candidate.kind and (
        needle in candidate.target.lower() or needle in candidate.label.lower()
    )


def test_ground_truth_matches_the_served_html_one_to_one(
    shared_server: DemoServer, html_pages: dict[str, Fetched]
) -> None:
    origin = shared_server.url.rstrip("/")
    everywhere = [e for e in ENTRIES if e["page"] == "*"]
    for path, page in html_pages.items():
        entries = everywhere + [e for e in ENTRIES if e["page"] == path]
        in_html = [e for e in entries if "requires_javascript" not in e["tags"]]
        found = candidates(page, origin)
        for entry in in_html:
            hits = [c for c in found if matches(entry, c)]
            assert len(hits) == 1, f"{path}: {entry['match']!r} matches {hits}"
        for candidate in found:
            owners = [e["match"] for e in in_html if matches(e, candidate)]
            assert len(owners) == 1, f"{path}: {candidate} is claimed by {owners}"


def test_javascript_only_interactions_come_from_the_page_script(
    shared_server: DemoServer, html_pages: dict[str, Fetched]
) -> None:
    built = [e for e in ENTRIES if "requires_javascript" in e["tags"]]
    assert built
    for entry in built:
        tree = html_pages[entry["page"]].tree()
        assert entry["match"] not in html_pages[entry["page"]].body.decode()
        with httpx.Client(base_url=shared_server.url) as http:
            local = [str(src) for src in tree.xpath("//script/@src") if str(src).startswith("/")]
            scripts = [http.get(src).text for src in local]
        assert any(entry["match"] in source for source in scripts), entry["page"]
