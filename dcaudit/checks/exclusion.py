"""Digital-exclusion factors beyond WCAG: what stops people using a service online.

Each factor is a rule in rules/exclusion/ (DCX###) with its thresholds, phrase lists and
platform signatures as data; this module holds the matchers. Entry points:

- ``check_exclusion(parsed, page, interactions, rules, settings)`` for every HTML page,
  returning its findings and the page with ``reading_grade`` set;
- ``page_weight_findings(page, html_bytes, request_count, transfer_bytes)`` for the pipeline
  to call again with browser resource timing;
- ``js_dependence_findings(page_url, raw_interactions, rendered_interactions)`` comparing
  interactions from the raw HTML with those from the browser's rendered DOM.

Site-level factors (accessibility statement, required languages) are in site_checks.py;
its ``SiteObservations`` is re-exported here.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import textstat
from cssselect import SelectorError
from lxml import etree

from dcaudit.checks.assisted_route import chrome_xpath, is_two_way
from dcaudit.checks.findings import (
    CheckRule,
    InteractionLocator,
    check_rules,
    clean_text,
    css_path,
    error_finding,
    make_finding,
)
from dcaudit.checks.hosts import HostPattern, first_match
from dcaudit.checks.site_checks import SiteObservations, language_alternates
from dcaudit.config import Settings
from dcaudit.engine.packs import Example, Rule, RulePack, builtin_rules_dir, load_pack
from dcaudit.errors import RulePackError
from dcaudit.extract.document import ParsedPage, visible_text
from dcaudit.models import (
    Finding,
    Interaction,
    InteractionClass,
    Kind,
    Outcome,
    Page,
    Source,
)

log = logging.getLogger(__name__)

PACK_KIND = "exclusion"
_WORD = re.compile(r"[a-zà-ÿŵŷ']+", re.IGNORECASE)
_RESOURCE_XPATH = etree.XPath(
    "//script[@src] | //link[@href][contains(concat(' ', translate(@rel, 'SLTYEHIC', "
    "'sltyehic'), ' '), ' stylesheet ') or contains(@rel, 'icon') or contains(@rel, 'preload')]"
    " | //img[@src] | //iframe[@src] | //video[@src] | //audio[@src] | //source[@src]"
    " | //embed[@src] | //object[@data]"
)


def phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive alternation of literal phrases (never page-supplied)."""
    if not phrases:
        return None
    words = "|".join(re.escape(str(p).lower()) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class ExclusionRules:
    """The compiled exclusion pack."""

    rules: Mapping[str, CheckRule]
    assisted_phrases: re.Pattern[str] | None
    assisted_patterns: tuple[re.Pattern[str], ...]
    webchat_hosts: tuple[HostPattern, ...]
    captcha_hosts: tuple[HostPattern, ...]
    captcha_classes: frozenset[str]
    captcha_attributes: tuple[str, ...]
    login_paths: tuple[re.Pattern[str], ...]
    english_words: frozenset[str]
    language_names: Mapping[str, re.Pattern[str]]
    statement_phrases: re.Pattern[str] | None
    statement_paths: tuple[re.Pattern[str], ...]
    version: str
    site_chrome: tuple[str, ...] = ()  # CSS selectors of header, footer and navigation
    contact_paths: tuple[re.Pattern[str], ...] = ()
    contact_phrases: re.Pattern[str] | None = None

    def rule(self, rule_id: str) -> CheckRule | None:
        return self.rules.get(rule_id)


CHECKS: dict[str, Callable[..., Any]] = {}


def _registered(rule_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        CHECKS[rule_id] = func
        return func

    return register


# Rules evaluated outside check_exclusion (browser numbers, rendered DOM, the whole site).
EXTERNAL_RULES = {
    "DCX001": "site",  # assisted_route.py: judged once the whole site is seen
    "DCX006": "page_weight",
    "DCX007": "js_dependence",
    "DCX010": "site",
    "DCX011": "site",
}


# what a malformed data file raises while compiling (patterns, selectors, wrong shapes)
_MALFORMED = (re.error, TypeError, AttributeError, ValueError, SelectorError, etree.XPathError)


def load_exclusion_rules(packs: Sequence[RulePack]) -> ExclusionRules:
    chosen = [pack for pack in packs if pack.kind == PACK_KIND]
    if not chosen:
        raise RulePackError("rules", "no exclusion rule pack loaded (rules/exclusion is missing)")
    data: dict[str, Any] = {}
    rules: dict[str, CheckRule] = {}
    for pack in chosen:
        for content in pack.data.values():
            if isinstance(content, dict):
                data.update(content)
        active = [r for r in pack.rules if r.status != "deprecated"]
        rules.update(check_rules(active, set(CHECKS) | set(EXTERNAL_RULES), pack.path))
    try:
        assisted = data.get("assisted_routes", {})
        captcha = data.get("captcha", {})
        language = data.get("languages", {})
        statement = data.get("accessibility_statement", {})
        compiled = ExclusionRules(
            rules=rules,
            assisted_phrases=phrase_pattern(_list(assisted, "phrases")),
            assisted_patterns=tuple(re.compile(p) for p in _list(assisted, "patterns")),
            webchat_hosts=tuple(HostPattern.parse(h) for h in _list(assisted, "webchat_hosts")),
            captcha_hosts=tuple(HostPattern.parse(h) for h in _list(captcha, "hosts")),
            captcha_classes=frozenset(c.lower() for c in _list(captcha, "classes")),
            captcha_attributes=tuple(_list(captcha, "attributes")),
            login_paths=tuple(
                re.compile(p, re.IGNORECASE) for p in _list(data.get("login", {}), "paths")
            ),
            english_words=frozenset(w.lower() for w in _list(language, "english_words")),
            language_names={
                str(code).lower(): pattern
                for code, names in (language.get("names") or {}).items()
                if (pattern := phrase_pattern([str(n) for n in names])) is not None
            },
            statement_phrases=phrase_pattern(_list(statement, "phrases")),
            statement_paths=tuple(re.compile(p, re.IGNORECASE) for p in _list(statement, "paths")),
            version=",".join(f"{p.name}@{p.version}" for p in chosen),
            site_chrome=tuple(_list(assisted, "site_chrome")),
            contact_paths=tuple(
                re.compile(p, re.IGNORECASE) for p in _list(assisted, "contact_paths")
            ),
            contact_phrases=phrase_pattern(_list(assisted, "contact_phrases")),
        )
        if compiled.site_chrome:
            chrome_xpath(compiled.site_chrome)  # a bad selector fails here, not on a page
        return compiled
    except _MALFORMED as exc:
        raise RulePackError(chosen[0].path, f"exclusion data files are malformed: {exc}") from exc


def _list(block: object, key: str) -> list[str]:
    if not isinstance(block, dict):
        raise ValueError(f"expected a mapping holding '{key}'")
    value = block.get(key, []) or []
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list")
    return [str(v) for v in value]


@functools.lru_cache(maxsize=1)
def default_exclusion_rules() -> ExclusionRules:
    """The built-in pack, for callers that do not hold compiled rules."""
    return load_exclusion_rules([load_pack(builtin_rules_dir() / "exclusion")])


# --- the page checks -----------------------------------------------------------------


@dataclass
class _Page:
    """What the page checks share for one page."""

    parsed: ParsedPage
    page: Page
    interactions: Sequence[Interaction]
    rules: ExclusionRules
    settings: Settings
    locator: InteractionLocator

    @functools.cached_property
    def text(self) -> str:
        return self.parsed.text


def check_exclusion(
    parsed: ParsedPage,
    page: Page,
    interactions: Sequence[Interaction],
    rules: ExclusionRules,
    settings: Settings,
) -> tuple[list[Finding], Page]:
    """Exclusion factors on one page; returns its findings and the page with reading_grade."""
    findings: dict[str, Finding] = {}
    ctx = _Page(
        parsed, page, interactions, rules, settings, InteractionLocator(parsed.root, interactions)
    )
    try:
        grade = reading_grade(parsed, page, rules)
    except Exception as exc:  # textstat on odd text must not stop the page
        log.warning("reading grade failed on %s: %s", page.url, exc)
        grade = None
        failure = error_finding("DCX002", Source.EXCLUSION, page, exc)
        findings[failure.id] = failure
    page = dataclasses.replace(page, reading_grade=grade)
    ctx.page = page
    for rule_id, check in CHECKS.items():
        rule = rules.rule(rule_id)
        if rule is None:
            continue
        try:
            for finding in check(ctx, rule):
                findings.setdefault(finding.id, finding)
        except Exception as exc:  # one broken factor must not hide the others
            log.warning("exclusion rule %s failed on %s: %s", rule_id, page.url, exc)
            failure = error_finding(rule_id, Source.EXCLUSION, page, exc)
            findings.setdefault(failure.id, failure)
    weight_rule = rules.rule("DCX006")
    if weight_rule is not None:
        html_bytes = page.bytes if page.bytes is not None else len(parsed.html.encode("utf-8"))
        estimate = page_weight_findings(
            page, html_bytes, 1 + count_linked_resources(parsed), None, rules
        )
        for finding in estimate:
            findings.setdefault(finding.id, finding)
    return list(findings.values()), page


def _finding(
    ctx: _Page,
    rule: CheckRule,
    *,
    element: etree._Element | None = None,
    interaction: Interaction | None = None,
    detail: str | None = None,
    outcome: Outcome | None = None,
) -> Finding:
    if element is not None:
        selector: str | None = css_path(element)
        from dcaudit.checks.findings import snippet_of

        snippet: str | None = snippet_of(element)
        owner = ctx.locator.containing(element)
    elif interaction is not None:
        selector, snippet, owner = interaction.selector, interaction.label, interaction.id
    else:
        selector, snippet, owner = None, None, None
    return make_finding(
        rule,
        Source.EXCLUSION,
        ctx.page,
        selector=selector,
        snippet=snippet,
        detail=detail,
        interaction=owner,
        outcome=outcome,
    )


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


@_registered("DCX002")
def _reading_grade(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    grade = ctx.page.reading_grade
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
    yield _finding(
        ctx,
        rule,
        element=main_content(ctx.parsed),
        outcome=outcome,
        detail=f"Flesch-Kincaid grade {grade:g} (about reading age {grade + 5:g}).",
    )


@_registered("DCX003")
def _document_only_form(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    for interaction in ctx.interactions:
        if (
            interaction.kind == Kind.DOCUMENT
            and interaction.interaction_class == InteractionClass.DIGITAL_LAYER
        ):
            yield _finding(
                ctx,
                rule,
                interaction=interaction,
                detail="The route is a document to complete: "
                f"{clean_text(interaction.target or '', 120)}.",
            )


@_registered("DCX004")
def _captcha(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    forms = [i for i in ctx.interactions if i.kind == Kind.FORM]
    for element in ctx.parsed.root.iter():
        if not isinstance(element.tag, str):
            continue
        signature = captcha_signature(element, ctx.rules)
        if signature is None:
            continue
        finding = _finding(ctx, rule, element=element, detail=f"CAPTCHA found: {signature}.")
        if finding.interaction is None and len(forms) == 1:
            finding = dataclasses.replace(finding, interaction=forms[0].id)
        yield finding


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


@_registered("DCX005")
def _login_wall(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    requested = ctx.page.url
    final = ctx.page.final_url or requested
    if (
        final != requested
        and _is_login_url(final, ctx.rules)
        and not _is_login_url(requested, ctx.rules)
    ):
        yield _finding(
            ctx,
            rule,
            outcome=Outcome.VIOLATION,
            detail=f"Requesting this page redirected to a sign-in page ({clean_text(final, 120)}).",
        )
        return
    passwords = ctx.parsed.root.xpath("//input[translate(@type, 'PASWORD', 'pasword')='password']")
    if not isinstance(passwords, list) or not passwords:
        return
    others = [
        i
        for i in ctx.interactions
        if i.kind == Kind.FORM and is_two_way(i) and not any(f.type == "password" for f in i.fields)
    ]
    if others:
        return  # the page offers something besides signing in
    element = passwords[0]
    if isinstance(element, etree._Element):
        yield _finding(
            ctx,
            rule,
            element=element,
            outcome=Outcome.NEEDS_REVIEW,
            detail="The page's only way forward is a sign-in form.",
        )


def _is_login_url(url: str, rules: ExclusionRules) -> bool:
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    return any(pattern.search(path) for pattern in rules.login_paths)


@_registered("DCX008")
def _viewport_missing(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    for meta in ctx.parsed.root.iter("meta"):
        if (meta.get("name") or "").strip().lower() == "viewport":
            return
    yield _finding(ctx, rule, detail='No <meta name="viewport"> in the page.')


@_registered("DCX009")
def _required_language(ctx: _Page, rule: CheckRule) -> Iterator[Finding]:
    required = [code.lower() for code in ctx.settings.required_languages]
    if not required:
        return
    own = (ctx.page.lang or ctx.parsed.lang or "").lower().split("-", 1)[0]
    available = language_alternates(ctx.parsed, ctx.rules) | ({own} if own else set())
    missing = [code for code in required if code not in available]
    if missing:
        yield _finding(
            ctx,
            rule,
            detail=f"No version of this page in: {', '.join(missing)} (no hreflang, "
            f"language link or /{missing[0]}/ path).",
        )


# --- measurements the pipeline supplies ----------------------------------------------


def count_linked_resources(parsed: ParsedPage) -> int:
    """Subresources named in the raw HTML (a lower bound on what a browser requests)."""
    found = _RESOURCE_XPATH(parsed.root)
    return len(found) if isinstance(found, list) else 0


def page_weight_findings(
    page: Page,
    html_bytes: int | None,
    request_count: int | None,
    transfer_bytes: int | None,
    rules: ExclusionRules | None = None,
) -> list[Finding]:
    """DCX006 for one page from its measured weight. Without browser numbers, pass the HTML
    size and the count of linked resources; with them, the browser's transfer size and
    request count. Both give the same finding id, so the browser's replaces the estimate."""
    rules = rules or default_exclusion_rules()
    rule = rules.rule("DCX006")
    if rule is None:
        return []
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
    if outcome is None:
        return []
    return [
        make_finding(
            rule,
            Source.EXCLUSION,
            page,
            outcome=outcome,
            detail=f"Page weight: {', '.join(reasons)}.",
        )
    ]


def interaction_key(interaction: Interaction) -> tuple[str, str]:
    """What makes two interactions (raw vs rendered HTML) the same one."""
    target = (interaction.target or "").strip().lower().rstrip("/")
    return interaction.kind.value, target or " ".join(interaction.label.lower().split())


def js_dependence_findings(
    page_url: str,
    raw_interactions: Sequence[Interaction],
    rendered_interactions: Sequence[Interaction],
    rules: ExclusionRules | None = None,
    page: Page | None = None,
) -> list[Finding]:
    """DCX007: interactions found in the rendered DOM but not in the raw HTML need JavaScript.

    Interactions are matched by kind and target (action, href or src), or label without one.
    Only those a citizen uses to act (forms, embeds, contact routes) are reported.
    """
    rules = rules or default_exclusion_rules()
    rule = rules.rule("DCX007")
    if rule is None:
        return []
    page = page or Page(
        url=page_url, final_url=page_url, status=None, content_type=None, bytes=None, depth=0
    )
    raw = {interaction_key(i) for i in raw_interactions}
    findings = []
    for interaction in rendered_interactions:
        if interaction.kind not in {Kind.FORM, Kind.EMBED, Kind.CONTACT}:
            continue
        if interaction_key(interaction) in raw:
            continue
        findings.append(
            make_finding(
                rule,
                Source.EXCLUSION,
                page,
                selector=interaction.selector,
                snippet=interaction.label,
                interaction=interaction.id,
                detail=f"'{clean_text(interaction.label, 80)}' ({interaction.kind.value}) "
                "appears only after JavaScript runs.",
            )
        )
    return findings


# --- rule examples -------------------------------------------------------------------


def run_example(rule: Rule, example: Example, parsed: ParsedPage) -> bool:
    """Whether ``rule`` fires on an example of its tests/<ID>.html (exclusion_examples.py)."""
    from dcaudit.checks.exclusion_examples import run_example as run

    return run(rule, example, parsed)


__all__ = [
    "ExclusionRules",
    "SiteObservations",
    "check_exclusion",
    "js_dependence_findings",
    "load_exclusion_rules",
    "page_weight_findings",
    "reading_grade",
]
