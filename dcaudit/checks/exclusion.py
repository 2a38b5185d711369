"""Digital-exclusion factors beyond WCAG: what stops people using a service online.

Each factor is a rule in rules/exclusion/ (DCX###) with its thresholds, phrase lists and
platform signatures as data (compiled in exclusion_rules.py); this module holds the
matchers, registered with the :data:`EXCLUSION` family (checks/protocol.py). Per page:
reading grade (DCX002, measured onto the page), documents to complete (DCX003), CAPTCHAs
(DCX004), login walls (DCX005), page weight (DCX006: the browser's numbers when it measured
the page, else an estimate from the HTML), JavaScript dependence (DCX007: only with the
browser's rendered interactions), viewport (DCX008) and required languages (DCX009).

The pipeline's browser stage calls ``page_weight_findings`` and ``js_dependence_findings``
with what the browser measured. Site-level factors (DCX001, DCX010, DCX011) are judged in
site_checks.py, whose ``SiteObservations`` is re-exported here.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import textstat
from lxml import etree

from dcaudit.checks.assisted_route import is_two_way
from dcaudit.checks.exclusion_rules import ExclusionRules, compile_exclusion
from dcaudit.checks.findings import CheckRule, clean_text
from dcaudit.checks.hosts import first_match
from dcaudit.checks.protocol import CheckFamily, Hit, PageView
from dcaudit.checks.records import BrowserEvidence, PageRecord
from dcaudit.checks.site_checks import SiteObservations, language_alternates
from dcaudit.config import Settings
from dcaudit.engine.packs import RulePack, builtin_rules_dir, load_pack
from dcaudit.models import Finding, Interaction, InteractionClass, Kind, Outcome, Page, Source
from dcaudit.parse.document import ParsedPage, visible_text

_WORD = re.compile(r"[a-zà-ÿŵŷ']+", re.IGNORECASE)
_RESOURCE_XPATH = etree.XPath(
    "//script[@src] | //link[@href][contains(concat(' ', translate(@rel, 'SLTYEHIC', "
    "'sltyehic'), ' '), ' stylesheet ') or contains(@rel, 'icon') or contains(@rel, 'preload')]"
    " | //img[@src] | //iframe[@src] | //video[@src] | //audio[@src] | //source[@src]"
    " | //embed[@src] | //object[@data]"
)


class ExclusionPage(PageView[ExclusionRules]):
    """One page as the exclusion checks see it."""

    def __init__(self, record: PageRecord, rules: ExclusionRules) -> None:
        super().__init__(record, rules)
        self.settings: Settings = record.settings
        self.browser: BrowserEvidence | None = record.browser


class ExclusionFamily(CheckFamily[ExclusionRules, ExclusionPage]):
    name = "exclusion"
    kind = "exclusion"
    source = Source.EXCLUSION
    measure_rule = "DCX002"  # the reading grade is measured onto the page first
    site_rules = frozenset({"DCX001", "DCX010", "DCX011"})  # site_checks.SiteObservations

    def compile(
        self, packs: Sequence[RulePack], metas: Mapping[str, CheckRule], data: Mapping[str, Any]
    ) -> ExclusionRules:
        return compile_exclusion(packs, metas, data)

    def open(self, record: PageRecord, rules: ExclusionRules) -> ExclusionPage:
        return ExclusionPage(record, rules)

    def measure(self, record: PageRecord, rules: ExclusionRules) -> Page:
        grade = reading_grade(record.parsed, record.page, rules)
        return dataclasses.replace(record.page, reading_grade=grade)

    def example_findings(
        self, rule_id: str, records: Sequence[PageRecord], rules: ExclusionRules
    ) -> list[Finding]:
        """Site rules see the example's pages as one site; the others, page by page."""
        if rule_id not in self.site_rules:
            return super().example_findings(rule_id, records, rules)
        site = SiteObservations(records[0].settings, rules)
        for record in records:
            site.observe(record.parsed, record.page, record.interactions)
        return [f for f in (*site.route_findings(), *site.site_findings()) if f.rule == rule_id]


EXCLUSION = ExclusionFamily()
run_example = EXCLUSION.run_example  # for ``dcaudit rules test``


def load_exclusion_rules(packs: Sequence[RulePack]) -> ExclusionRules:
    return EXCLUSION.load(packs)


@functools.lru_cache(maxsize=1)
def default_exclusion_rules() -> ExclusionRules:
    """The built-in pack, for callers that do not hold compiled rules."""
    return load_exclusion_rules([load_pack(builtin_rules_dir() / "exclusion")])


def check_exclusion(
    parsed: ParsedPage,
    page: Page,
    interactions: Sequence[Interaction],
    rules: ExclusionRules,
    settings: Settings,
) -> tuple[list[Finding], Page]:
    """Exclusion factors on one page; returns its findings and the page with reading_grade."""
    record = PageRecord(parsed, page, interactions, settings)
    findings = EXCLUSION.run(record, rules)
    return findings, record.page


# --- reading grade -------------------------------------------------------------------


def main_content(parsed: ParsedPage) -> etree._Element:
    """The page's main content: main, role=main, a single article, else the body."""
    root = parsed.root
    for xpath in ("//main", "//*[@role='main']", "//article"):
        found = root.xpath(xpath)
        if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
            return found[0]
    body: etree._Element | None = root.find("body")
    return body if body is not None else root


def _content_text(element: etree._Element) -> str:
    """Visible text without navigation, header, footer, aside and form chrome."""
    skip = {"nav", "header", "footer", "aside", "form", "script", "style", "noscript"}
    parts: list[str] = []
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str) and str(child.tag).lower() not in skip:
            parts.append(visible_text(child))
        if child.tail:
            parts.append(child.tail)
    return " ".join(" ".join(parts).split())


def is_english(parsed: ParsedPage, page: Page, text: str, rules: ExclusionRules) -> bool:
    """English by the page's lang; without one, by the share of common English words."""
    lang = (page.lang or parsed.lang or "").strip().lower()
    if lang:
        return lang.split("-", 1)[0] == "en"
    words = _WORD.findall(text.lower())[:2000]
    if not words:
        return False
    share = sum(1 for w in words if w in rules.english_words) / len(words)
    return share >= 0.2


def reading_grade(parsed: ParsedPage, page: Page, rules: ExclusionRules) -> float | None:
    """Flesch-Kincaid grade of the main content, or None (too short, or not English)."""
    rule = rules.rule("DCX002")
    min_words = int(rule.option("min_words", 200)) if rule else 200
    max_words = int(rule.option("max_words", 5000)) if rule else 5000
    text = _content_text(main_content(parsed))
    words = text.split()
    if len(words) < min_words or not is_english(parsed, page, text, rules):
        return None
    # textstat's syllable counter is the cost; a long page's first words are representative
    sample = " ".join(words[:max_words])
    return round(float(textstat.flesch_kincaid_grade(sample)), 1)


@EXCLUSION.check("DCX002")
def _reading_grade(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    grade = view.page.reading_grade
    if grade is None:
        return
    review_above = float(rule.option("review_above", 9))
    violation_above = float(rule.option("violation_above", 12))
    if grade > violation_above:
        outcome = Outcome.VIOLATION
    elif grade > review_above:
        outcome = Outcome.NEEDS_REVIEW
    else:
        return
    detail = f"Flesch-Kincaid grade {grade:g} (about reading age {grade + 5:g})."
    yield Hit(main_content(view.parsed), detail, outcome)


@EXCLUSION.check("DCX003")
def _document_only_form(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    for interaction in view.interactions:
        if (
            interaction.kind == Kind.DOCUMENT
            and interaction.interaction_class == InteractionClass.DIGITAL_LAYER
        ):
            target = clean_text(interaction.target or "", 120)
            yield Hit(
                interaction=interaction, detail=f"The route is a document to complete: {target}."
            )


@EXCLUSION.check("DCX004")
def _captcha(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    forms = [i for i in view.interactions if i.kind == Kind.FORM]
    only_form = forms[0].id if len(forms) == 1 else None  # it owns a CAPTCHA outside it
    for element in view.parsed.root.iter():
        if not isinstance(element.tag, str):
            continue
        signature = captcha_signature(element, view.rules)
        if signature is not None:
            yield Hit(element, f"CAPTCHA found: {signature}.", owner=only_form)


def captcha_signature(element: etree._Element, rules: ExclusionRules) -> str | None:
    source = element.get("src") or element.get("data") or ""
    if source and first_match(source, rules.captcha_hosts):
        return clean_text(source, 100)
    classes = {c.lower() for c in (element.get("class") or "").split()}
    matched = classes & rules.captcha_classes
    if matched:
        return f"class {sorted(matched)[0]}"
    for attribute in rules.captcha_attributes:
        if element.get(attribute) is not None:
            return f"attribute {attribute}"
    return None


@EXCLUSION.check("DCX005")
def _login_wall(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    requested = view.page.url
    final = view.page.final_url or requested
    if (
        final != requested
        and _is_login_url(final, view.rules)
        and not _is_login_url(requested, view.rules)
    ):
        where = clean_text(final, 120)
        detail = f"Requesting this page redirected to a sign-in page ({where})."
        yield Hit(detail=detail, outcome=Outcome.VIOLATION)
        return
    passwords = view.parsed.root.xpath("//input[translate(@type, 'PASWORD', 'pasword')='password']")
    if not isinstance(passwords, list) or not passwords:
        return
    others = [
        i
        for i in view.interactions
        if i.kind == Kind.FORM and is_two_way(i) and not any(f.type == "password" for f in i.fields)
    ]
    if others:
        return  # the page offers something besides signing in
    element = passwords[0]
    if isinstance(element, etree._Element):
        detail = "The page's only way forward is a sign-in form."
        yield Hit(element, detail, Outcome.NEEDS_REVIEW)


def _is_login_url(url: str, rules: ExclusionRules) -> bool:
    path = urlsplit(url).path
    return any(pattern.search(path) for pattern in rules.login_paths)


@EXCLUSION.check("DCX008")
def _viewport_missing(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    for meta in view.parsed.root.iter("meta"):
        if (meta.get("name") or "").strip().lower() == "viewport":
            return
    yield Hit(detail='No <meta name="viewport"> in the page.')


@EXCLUSION.check("DCX009")
def _required_language(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    required = [code.lower() for code in view.settings.required_languages]
    if not required:
        return
    own = (view.page.lang or view.parsed.lang or "").lower().split("-", 1)[0]
    available = language_alternates(view.parsed, view.rules) | ({own} if own else set())
    missing = [code for code in required if code not in available]
    if missing:
        yield Hit(
            detail=f"No version of this page in: {', '.join(missing)} (no hreflang, "
            f"language link or /{missing[0]}/ path)."
        )


# --- what the browser measures (estimated from the HTML without it) ------------------


@EXCLUSION.check("DCX006")
def _page_weight(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    """The browser's request count and transfer size when it measured the page, else an
    estimate: the HTML's size and the resources it names. Both give the same finding id,
    so the browser's replaces the estimate."""
    browser = view.browser or BrowserEvidence()
    html_bytes = view.page.bytes
    if html_bytes is None:
        html_bytes = len(view.parsed.html.encode("utf-8"))
    requests = browser.request_count
    if requests is None:
        requests = 1 + count_linked_resources(view.parsed)
    yield from weight_hits(rule, html_bytes, requests, browser.transfer_bytes)


@EXCLUSION.check("DCX007")
def _javascript_only(view: ExclusionPage, rule: CheckRule) -> Iterator[Hit]:
    if view.browser is not None and view.browser.rendered is not None:
        yield from rendered_only_hits(view.interactions, view.browser.rendered)


def count_linked_resources(parsed: ParsedPage) -> int:
    """Subresources named in the raw HTML (a lower bound on what a browser requests)."""
    found = _RESOURCE_XPATH(parsed.root)
    return len(found) if isinstance(found, list) else 0


def weight_hits(
    rule: CheckRule, html_bytes: int | None, request_count: int | None, transfer_bytes: int | None
) -> Iterator[Hit]:
    """DCX006 from a page's measured weight: one hit naming every threshold passed."""
    reasons: list[str] = []
    outcome: Outcome | None = None

    def flag(level: Outcome, reason: str) -> None:
        nonlocal outcome
        reasons.append(reason)
        if outcome != Outcome.VIOLATION:
            outcome = level

    if transfer_bytes is not None:
        if transfer_bytes > int(rule.option("transfer_bytes_violation", 4_622_000)):
            flag(Outcome.VIOLATION, f"{transfer_bytes / 1e6:.1f} MB transferred")
        elif transfer_bytes > int(rule.option("transfer_bytes_review", 2_311_000)):
            flag(Outcome.NEEDS_REVIEW, f"{transfer_bytes / 1e6:.1f} MB transferred")
    if html_bytes is not None and html_bytes > int(rule.option("html_bytes_review", 500_000)):
        flag(Outcome.NEEDS_REVIEW, f"{html_bytes / 1e3:.0f} kB of HTML")
    if request_count is not None:
        if request_count > int(rule.option("requests_violation", 150)):
            flag(Outcome.VIOLATION, f"{request_count} requests")
        elif request_count > int(rule.option("requests_review", 75)):
            flag(Outcome.NEEDS_REVIEW, f"{request_count} requests")
    if outcome is not None:
        yield Hit(detail=f"Page weight: {', '.join(reasons)}.", outcome=outcome)


def page_weight_findings(
    page: Page,
    html_bytes: int | None,
    request_count: int | None,
    transfer_bytes: int | None,
    rules: ExclusionRules | None = None,
) -> list[Finding]:
    """DCX006 for one page from the browser's numbers (or any measured ones)."""
    rule = (rules or default_exclusion_rules()).rule("DCX006")
    if rule is None:
        return []
    hits = weight_hits(rule, html_bytes, request_count, transfer_bytes)
    return [EXCLUSION.finding(rule, hit, page) for hit in hits]


def interaction_key(interaction: Interaction) -> tuple[str, str]:
    """What makes two interactions (raw vs rendered HTML) the same one."""
    target = (interaction.target or "").strip().lower().rstrip("/")
    return interaction.kind.value, target or " ".join(interaction.label.lower().split())


def rendered_only_hits(
    raw: Sequence[Interaction], rendered: Sequence[Interaction]
) -> Iterator[Hit]:
    """DCX007: interactions found in the rendered DOM but not in the raw HTML need JavaScript.

    Interactions are matched by kind and target (action, href or src), or label without one.
    Only those a citizen uses to act (forms, embeds, contact routes) are reported.
    """
    known = {interaction_key(i) for i in raw}
    for interaction in rendered:
        if interaction.kind not in {Kind.FORM, Kind.EMBED, Kind.CONTACT}:
            continue
        if interaction_key(interaction) in known:
            continue
        label = clean_text(interaction.label, 80)
        detail = f"'{label}' ({interaction.kind.value}) appears only after JavaScript runs."
        yield Hit(interaction=interaction, detail=detail)


def js_dependence_findings(
    page_url: str,
    raw_interactions: Sequence[Interaction],
    rendered_interactions: Sequence[Interaction],
    rules: ExclusionRules | None = None,
    page: Page | None = None,
) -> list[Finding]:
    """DCX007 for one page from the interactions of its raw HTML and of the browser's DOM."""
    rule = (rules or default_exclusion_rules()).rule("DCX007")
    if rule is None:
        return []
    page = page or Page(
        url=page_url, final_url=page_url, status=None, content_type=None, bytes=None, depth=0
    )
    hits = rendered_only_hits(raw_interactions, rendered_interactions)
    return [EXCLUSION.finding(rule, hit, page) for hit in hits]


__all__ = [
    "EXCLUSION",
    "ExclusionRules",
    "SiteObservations",
    "check_exclusion",
    "js_dependence_findings",
    "load_exclusion_rules",
    "page_weight_findings",
    "reading_grade",
    "run_example",
]
