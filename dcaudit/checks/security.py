"""Security and privacy factors (Loeffler's "lack of security" pitfall): DCS### rules.

HTTPS, HSTS, forms posting over http or to another organisation's host, mixed content,
and third-party trackers on pages that collect input. The tracker list is data
(rules/security/trackers.yaml). ``check_security`` runs them on one parsed page; response
headers are optional (HSTS is only judged when the caller passes them).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from dcaudit.checks.examples import (
    example_headers,
    example_interactions,
    example_page,
    fires_on,
    same_element,
)
from dcaudit.checks.findings import (
    CheckRule,
    InteractionLocator,
    check_rules,
    clean_text,
    css_path,
    error_finding,
    make_finding,
    snippet_of,
)
from dcaudit.checks.hosts import HostPattern, first_match, site_of
from dcaudit.engine.packs import Example, Rule, RulePack, load_pack
from dcaudit.errors import RulePackError
from dcaudit.extract.document import ParsedPage
from dcaudit.models import Finding, Interaction, Kind, Outcome, Page, Source

log = logging.getLogger(__name__)

PACK_KIND = "security"
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


CHECKS: dict[str, Callable[..., Iterator[Finding]]] = {}


def _registered(
    rule_id: str,
) -> Callable[[Callable[..., Iterator[Finding]]], Callable[..., Iterator[Finding]]]:
    def register(func: Callable[..., Iterator[Finding]]) -> Callable[..., Iterator[Finding]]:
        CHECKS[rule_id] = func
        return func

    return register


def load_security_rules(packs: Sequence[RulePack]) -> SecurityRules:
    chosen = [pack for pack in packs if pack.kind == PACK_KIND]
    if not chosen:
        raise RulePackError("rules", "no security rule pack loaded (rules/security is missing)")
    data: dict[str, Any] = {}
    rules: dict[str, CheckRule] = {}
    for pack in chosen:
        for content in pack.data.values():
            if isinstance(content, dict):
                data.update(content)
        active = [r for r in pack.rules if r.status != "deprecated"]
        rules.update(check_rules(active, CHECKS, pack.path))
    try:
        trackers = tuple(
            Tracker(
                name=str(entry["name"]),
                hosts=tuple(HostPattern.parse(str(h)) for h in entry.get("hosts", []) or []),
                inline=tuple(str(s) for s in entry.get("inline", []) or []),
            )
            for entry in data.get("trackers", [])
        )
        trusted = tuple(HostPattern.parse(str(h)) for h in data.get("trusted_form_hosts", []) or [])
        local = tuple(
            HostPattern.parse(str(h)) for h in data.get("potentially_trustworthy_hosts", []) or []
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise RulePackError(chosen[0].path, f"trackers.yaml is malformed: {exc}") from exc
    return SecurityRules(
        rules=rules,
        trackers=trackers,
        trusted_form_hosts=trusted,
        trustworthy_hosts=local,
        version=",".join(f"{p.name}@{p.version}" for p in chosen),
    )


@dataclass
class _Page:
    parsed: ParsedPage
    page: Page
    interactions: Sequence[Interaction]
    rules: SecurityRules
    headers: Mapping[str, str] | None
    locator: InteractionLocator

    @property
    def url(self) -> str:
        return self.page.final_url or self.page.url

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()

    def finding(
        self,
        rule: CheckRule,
        element: etree._Element | None = None,
        detail: str | None = None,
        outcome: Outcome | None = None,
    ) -> Finding:
        return make_finding(
            rule,
            Source.SECURITY,
            self.page,
            selector=css_path(element) if element is not None else None,
            snippet=snippet_of(element) if element is not None else None,
            detail=detail,
            outcome=outcome,
            interaction=self.locator.containing(element) if element is not None else None,
        )


def check_security(
    parsed: ParsedPage,
    page: Page,
    interactions: Sequence[Interaction],
    rules: SecurityRules,
    headers: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Security and privacy findings for one page. ``headers``: the HTTP response headers,
    when the crawler kept them (HSTS is not judged without them)."""
    lowered = {k.lower(): v for k, v in headers.items()} if headers is not None else None
    ctx = _Page(
        parsed, page, interactions, rules, lowered, InteractionLocator(parsed.root, interactions)
    )
    findings: dict[str, Finding] = {}
    for rule_id, check in CHECKS.items():
        rule = rules.rule(rule_id)
        if rule is None:
            continue
        try:
            for finding in check(ctx, rule):
                findings.setdefault(finding.id, finding)
        except Exception as exc:  # one broken check must not hide the others
            log.warning("security rule %s failed on %s: %s", rule_id, page.url, exc)
            failure = error_finding(rule_id, Source.SECURITY, page, exc)
            findings.setdefault(failure.id, failure)
    return list(findings.values())


@_registered("DCS001")
def _http_page(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    if ctx.scheme == "http" and not first_match(ctx.url, ctx.rules.trustworthy_hosts):
        yield ctx.finding(
            rule, detail=f"The page was served over plain HTTP ({clean_text(ctx.url, 120)})."
        )


@_registered("DCS002")
def _hsts_missing(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    if ctx.headers is None or ctx.scheme != "https":
        return
    value = ctx.headers.get("strict-transport-security")
    if value is None:
        yield ctx.finding(rule, detail="No Strict-Transport-Security header.")
        return
    max_age = 0
    for part in value.split(";"):
        key, _, number = part.strip().partition("=")
        if key.strip().lower() == "max-age" and number.strip().strip('"').isdigit():
            max_age = int(number.strip().strip('"'))
    minimum = int(rule.option("min_max_age", 15_552_000))
    if max_age < minimum:
        yield ctx.finding(
            rule, detail=f"Strict-Transport-Security max-age={max_age} is below {minimum}."
        )


def _forms(ctx: _Page) -> Iterator[tuple[etree._Element, str]]:
    for form in ctx.parsed.root.iter("form"):
        action = (form.get("action") or "").strip()
        yield form, ctx.parsed.absolute(action) if action else ctx.url


@_registered("DCS003")
def _form_over_http(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    for form, action in _forms(ctx):
        if (
            urlsplit(action).scheme.lower() == "http"
            and not first_match(action, ctx.rules.trustworthy_hosts)
            and collects_input(form)
        ):
            yield ctx.finding(rule, form, f"The form sends its data to {clean_text(action, 120)}.")


@_registered("DCS004")
def _form_third_party(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    own = site_of(urlsplit(ctx.url).hostname or "")
    for form, action in _forms(ctx):
        host = (urlsplit(action).hostname or "").lower()
        if not host or site_of(host) == own or not collects_input(form):
            continue
        if first_match(action, ctx.rules.trusted_form_hosts):
            continue
        yield ctx.finding(
            rule, form, f"The form sends its data to another organisation's host, {host}."
        )


@_registered("DCS005")
def _mixed_content(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    if ctx.scheme != "https":
        return
    for tag, attribute in _SUBRESOURCES:
        for element in ctx.parsed.root.iter(tag):
            value = (element.get(attribute) or "").strip()
            if value.lower().startswith("http://"):
                yield ctx.finding(
                    rule, element, f"<{tag}> loads {clean_text(value, 120)} over HTTP."
                )
    for link in ctx.parsed.root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if href.lower().startswith("http://") and ({"stylesheet", "preload", "icon"} & set(rel)):
            yield ctx.finding(
                rule, link, f"<link rel={' '.join(rel)}> loads {clean_text(href, 120)} over HTTP."
            )


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


def page_collects_input(ctx: _Page) -> bool:
    if any(
        i.kind == Kind.FORM and i.mode is not None and i.mode.value == "two_way"
        for i in ctx.interactions
    ):
        return True
    return any(collects_input(form) for form in ctx.parsed.root.iter("form"))


@_registered("DCS006")
def _trackers_on_input_pages(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    if not page_collects_input(ctx):
        return
    reported: set[str] = set()
    for element, tracker in find_trackers(ctx.parsed, ctx.rules):
        if tracker.name in reported:
            continue
        reported.add(tracker.name)
        yield ctx.finding(
            rule, element, f"{tracker.name} loads on a page that collects personal data."
        )


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


# --- rule examples -------------------------------------------------------------------


def run_example(rule: Rule, example: Example, parsed: ParsedPage) -> bool:
    """Whether ``rule`` fires on an example of its tests/<ID>.html (see checks/examples.py)."""
    rules = _pack_rules(str(Path(rule.path).parent))
    page_parsed = example_page(example)
    target = None
    if page_parsed is None:
        page_parsed, target = parsed, same_element(example.element, parsed.root)
    headers = example_headers(example) if example.element.get("data-headers") is not None else None
    page = Page(
        url=page_parsed.url,
        final_url=page_parsed.url,
        status=200,
        content_type="text/html",
        bytes=None,
        depth=0,
    )
    findings = [
        f
        for f in check_security(
            page_parsed, page, example_interactions(page_parsed), rules, headers
        )
        if f.rule == rule.id
    ]
    return fires_on(target, findings)


@functools.lru_cache(maxsize=4)
def _pack_rules(pack_dir: str) -> SecurityRules:
    return load_security_rules([load_pack(Path(pack_dir))])
