"""Security and privacy factors (Loeffler's "lack of security" pitfall): DCS### rules.

HTTPS, HSTS, forms posting over http or to another organisation's host, mixed content,
and third-party trackers on pages that collect input. The tracker list is data
(rules/security/trackers.yaml); the checks are registered with the :data:`SECURITY`
family (checks/protocol.py). Response headers are optional: HSTS is only judged when the
page record carries them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from dcaudit.checks.findings import CheckRule, clean_text
from dcaudit.checks.hosts import HostPattern, first_match, site_of
from dcaudit.checks.protocol import CheckFamily, Hit, PageView
from dcaudit.checks.records import PageRecord
from dcaudit.engine.packs import RulePack
from dcaudit.models import Finding, Interaction, Kind, Page, Source
from dcaudit.parse.document import ParsedPage

# Subresources a browser loads without a click: their http URLs are mixed content.
_SUBRESOURCES = (
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("audio", "src"),
    ("video", "src"),
    ("source", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("track", "src"),
)
_INPUT_TYPES_COLLECTING = frozenset(
    {"", "text", "email", "tel", "password", "number", "date", "file", "url"}
)


@dataclass(frozen=True)
class Tracker:
    name: str
    hosts: tuple[HostPattern, ...]
    inline: tuple[str, ...]


@dataclass(frozen=True)
class SecurityRules:
    rules: Mapping[str, CheckRule]
    trackers: tuple[Tracker, ...]
    trusted_form_hosts: tuple[HostPattern, ...]
    version: str
    trustworthy_hosts: tuple[HostPattern, ...] = ()  # loopback: secure without TLS

    def rule(self, rule_id: str) -> CheckRule | None:
        return self.rules.get(rule_id)


def compile_security(
    packs: Sequence[RulePack], metas: Mapping[str, CheckRule], data: Mapping[str, Any]
) -> SecurityRules:
    trackers = tuple(
        Tracker(
            name=str(entry["name"]),
            hosts=_hosts(entry.get("hosts", [])),
            inline=tuple(str(s) for s in entry.get("inline", []) or []),
        )
        for entry in data.get("trackers", [])
    )
    return SecurityRules(
        rules=dict(metas),
        trackers=trackers,
        trusted_form_hosts=_hosts(data.get("trusted_form_hosts", [])),
        trustworthy_hosts=_hosts(data.get("potentially_trustworthy_hosts", [])),
        version=",".join(f"{p.name}@{p.version}" for p in packs),
    )


def _hosts(entries: Any) -> tuple[HostPattern, ...]:
    return tuple(HostPattern.parse(str(h)) for h in entries or [])


class SecurityPage(PageView[SecurityRules]):
    """One page as the security checks see it: its URL's scheme and response headers."""

    def __init__(self, record: PageRecord, rules: SecurityRules) -> None:
        super().__init__(record, rules)
        headers = record.headers
        self.headers = {k.lower(): v for k, v in headers.items()} if headers is not None else None

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()


class SecurityFamily(CheckFamily[SecurityRules, SecurityPage]):
    name = "security"
    kind = "security"
    source = Source.SECURITY

    def compile(
        self, packs: Sequence[RulePack], metas: Mapping[str, CheckRule], data: Mapping[str, Any]
    ) -> SecurityRules:
        return compile_security(packs, metas, data)

    def open(self, record: PageRecord, rules: SecurityRules) -> SecurityPage:
        return SecurityPage(record, rules)


SECURITY = SecurityFamily()
run_example = SECURITY.run_example  # for ``dcaudit rules test``


def load_security_rules(packs: Sequence[RulePack]) -> SecurityRules:
    return SECURITY.load(packs)


def check_security(
    parsed: ParsedPage,
    page: Page,
    interactions: Sequence[Interaction],
    rules: SecurityRules,
    headers: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Security and privacy findings for one page. ``headers``: the HTTP response headers,
    when the crawler kept them (HSTS is not judged without them)."""
    return SECURITY.run(PageRecord(parsed, page, interactions, headers=headers), rules)


@SECURITY.check("DCS001")
def _http_page(view: SecurityPage, rule: CheckRule) -> Iterator[Hit]:
    if view.scheme == "http" and not first_match(view.url, view.rules.trustworthy_hosts):
        yield Hit(detail=f"The page was served over plain HTTP ({clean_text(view.url, 120)}).")


@SECURITY.check("DCS002")
def _hsts_missing(view: SecurityPage, rule: CheckRule) -> Iterator[Hit]:
    if view.headers is None or view.scheme != "https":
        return
    value = view.headers.get("strict-transport-security")
    if value is None:
        yield Hit(detail="No Strict-Transport-Security header.")
        return
    max_age = 0
    for part in value.split(";"):
        key, _, number = part.strip().partition("=")
        if key.strip().lower() == "max-age" and number.strip().strip('"').isdigit():
            max_age = int(number.strip().strip('"'))
    minimum = int(rule.option("min_max_age", 15_552_000))
    if max_age < minimum:
        yield Hit(detail=f"Strict-Transport-Security max-age={max_age} is below {minimum}.")


def _forms(view: SecurityPage) -> Iterator[tuple[etree._Element, str]]:
    for form in view.parsed.root.iter("form"):
        action = (form.get("action") or "").strip()
        yield form, view.parsed.absolute(action) if action else view.url


@SECURITY.check("DCS003")
def _form_over_http(view: SecurityPage, rule: CheckRule) -> Iterator[Hit]:
    for form, action in _forms(view):
        if (
            urlsplit(action).scheme.lower() == "http"
            and not first_match(action, view.rules.trustworthy_hosts)
            and collects_input(form)
        ):
            yield Hit(form, f"The form sends its data to {clean_text(action, 120)}.")


@SECURITY.check("DCS004")
def _form_third_party(view: SecurityPage, rule: CheckRule) -> Iterator[Hit]:
    own = site_of(urlsplit(view.url).hostname or "")
    for form, action in _forms(view):
        host = (urlsplit(action).hostname or "").lower()
        if not host or site_of(host) == own or not collects_input(form):
            continue
        if first_match(action, view.rules.trusted_form_hosts):
            continue
        yield Hit(form, f"The form sends its data to another organisation's host, {host}.")


@SECURITY.check("DCS005")
def _mixed_content(view: SecurityPage, rule: CheckRule) -> Iterator[Hit]:
    if view.scheme != "https":
        return
    for tag, attribute in _SUBRESOURCES:
        for element in view.parsed.root.iter(tag):
            value = (element.get(attribute) or "").strip()
            if value.lower().startswith("http://"):
                yield Hit(element, f"<{tag}> loads {clean_text(value, 120)} over HTTP.")
    for link in view.parsed.root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if href.lower().startswith("http://") and ({"stylesheet", "preload", "icon"} & set(rel)):
            yield Hit(link, f"<link rel={' '.join(rel)}> loads {clean_text(href, 120)} over HTTP.")


def collects_input(form: etree._Element) -> bool:
    """A form that takes data from the person: a text-like field, textarea or select, and
    not a plain GET search box."""
    fields = [
        f
        for f in form.iter("input", "textarea", "select")
        if f.tag != "input" or (f.get("type") or "").strip().lower() in _INPUT_TYPES_COLLECTING
    ]
    if not fields:
        return False
    is_get = (form.get("method") or "get").strip().lower() == "get"
    searchy = (form.get("role") or "").lower() == "search" or any(
        (f.get("type") or "").lower() == "search"
        or (f.get("name") or "").lower() in {"q", "query", "search"}
        for f in fields
    )
    return not (is_get and (searchy or len(fields) == 1))


def page_collects_input(view: SecurityPage) -> bool:
    if any(
        i.kind == Kind.FORM and i.mode is not None and i.mode.value == "two_way"
        for i in view.interactions
    ):
        return True
    return any(collects_input(form) for form in view.parsed.root.iter("form"))


@SECURITY.check("DCS006")
def _trackers_on_input_pages(view: SecurityPage, rule: CheckRule) -> Iterator[Hit]:
    if not page_collects_input(view):
        return
    reported: set[str] = set()
    for element, tracker in find_trackers(view.parsed, view.rules):
        if tracker.name in reported:
            continue
        reported.add(tracker.name)
        yield Hit(element, f"{tracker.name} loads on a page that collects personal data.")


def find_trackers(
    parsed: ParsedPage, rules: SecurityRules
) -> Iterator[tuple[etree._Element, Tracker]]:
    """Elements that load or configure a known third-party tracker."""
    for element in parsed.root.iter("script", "img", "iframe", "link", "noscript"):
        url = element.get("src") or element.get("href") or ""
        for tracker in rules.trackers:
            if (url and first_match(url, tracker.hosts)) or (
                element.tag == "script"
                and not url
                and any(signature in (element.text or "") for signature in tracker.inline)
            ):
                yield element, tracker
