"""Building Finding records: stable ids, fingerprints, selectors, snippets, rule metadata.

Shared by the static, exclusion and security checks (and meant for the browser checks too),
so a finding's identity is computed one way everywhere:

- ``id`` = hash(page URL, rule, selector, outcome): the same problem on the same page in
  two runs has the same id.
- ``fingerprint`` = hash(rule, page path template, selector): host-independent, and shared
  by pages whose paths differ only in numbers or ids (/news/2024/5), for baselines
  ("fail only on new problems"). dcaudit.browser.axe_findings uses the same formula.

Text taken from audited pages is untrusted: snippets are truncated and stripped of control
characters here, and reports escape them when rendering.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from cssselect import GenericTranslator, SelectorError
from lxml import etree

from dcaudit.css_match import PageIndex
from dcaudit.engine.packs import Rule
from dcaudit.errors import RulePackError
from dcaudit.models import Finding, Impact, Interaction, Outcome, Page, Source
from dcaudit.parse.nesting import PARSE_RULE

SNIPPET_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_PLAIN_ID = re.compile(r"^[A-Za-z][\w-]*$")
_NUMERIC_SEGMENT = re.compile(r"^\d+$|^[0-9a-f]{8,}$|^[0-9a-f-]{32,36}$", re.IGNORECASE)
_WCAG_SC = re.compile(r"^\d\.\d{1,2}\.\d{1,2}$")
_translator = GenericTranslator()


def _short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def page_path(page_url: str) -> str:
    """The page's path and query, without scheme, host and port (a staging copy or a demo
    on a random loopback port keeps its fingerprints)."""
    parts = urlsplit(page_url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def path_template(page_url: str) -> str:
    """The page path with numeric and hash-like segments and query values generalised:
    /news/2024/5?id=7 -> /news/*/*?id=*, so pages of one template share fingerprints."""
    parts = urlsplit(page_url)
    segments = [
        "*" if _NUMERIC_SEGMENT.match(seg) else seg for seg in (parts.path or "/").split("/")
    ]
    path = "/".join(segments)
    if not parts.query:
        return path
    query = "&".join(
        f"{key}={'*' if _NUMERIC_SEGMENT.match(value) else value}"
        for key, _, value in (pair.partition("=") for pair in parts.query.split("&"))
    )
    return f"{path}?{query}"


def finding_id(page_url: str, rule: str, selector: str | None, outcome: Outcome) -> str:
    """Stable id of one finding: same page, rule, element and outcome in every run."""
    return _short_hash(page_url, rule, selector or "", outcome.value)


def finding_fingerprint(rule: str, page_url: str, selector: str | None) -> str:
    """Stable across runs and across pages of one URL template: rule + path template +
    selector. Same formula as the axe findings use (identical for paths without numbers)."""
    return _short_hash(rule, path_template(page_url), selector or "")


def clean_text(text: str, limit: int = SNIPPET_LIMIT) -> str:
    """Untrusted page text made safe to store and show: no control or bidi characters, bounded."""
    cleaned = _CONTROL.sub("", text)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


def snippet_of(element: etree._Element, limit: int = SNIPPET_LIMIT) -> str:
    """Outer HTML of an element (without its tail), truncated."""
    try:
        html = etree.tostring(element, encoding="unicode", method="html", with_tail=False)
    except (ValueError, TypeError):  # pragma: no cover - lxml refuses some broken nodes
        html = f"<{element.tag}>"
    return clean_text(re.sub(r"\s+", " ", html).strip(), limit)


def css_path(
    element: etree._Element, ids: Mapping[str, Sequence[etree._Element]] | None = None
) -> str:
    """A CSS selector naming this element: ``#id`` when unique, else a tag:nth-of-type chain.

    The chain starts at the nearest ancestor with a unique id (or ``html``) so selectors stay
    stable when unrelated parts of the page change. Built from lxml's XPath of the element
    (computed in C), whose ``tag[n]`` steps are exactly CSS ``:nth-of-type(n)``.
    """
    path = element.getroottree().getpath(element)
    steps = [_css_step(step) for step in path.strip("/").split("/")]
    nodes = [element, *element.iterancestors()]
    for depth, node in enumerate(nodes):
        element_id = node.get("id")
        if not element_id or not _PLAIN_ID.match(element_id):
            continue
        unique = (
            len(ids.get(element_id, ())) == 1
            if ids is not None
            else _id_is_unique(node, element_id)
        )
        if unique:
            tail = steps[len(steps) - depth :] if depth else []
            return " > ".join([f"#{element_id}", *tail])
    return " > ".join(steps)


def _css_step(step: str) -> str:
    tag, _, index = step.partition("[")
    tag = tag.rsplit(":", 1)[-1].lower() or "*"
    return f"{tag}:nth-of-type({index.rstrip(']')})" if index else tag


def _id_is_unique(element: etree._Element, element_id: str) -> bool:
    root = element.getroottree()
    return len(root.xpath("//*[@id=$v]", v=element_id)) == 1  # type: ignore[arg-type]


def compile_selector(selector: str, where: str, rule_id: str | None = None) -> etree.XPath:
    """Compile a CSS selector once (rules are compiled at load, not per page)."""
    try:
        return etree.XPath(_translator.css_to_xpath(selector))
    except (SelectorError, etree.XPathSyntaxError) as exc:
        raise RulePackError(
            where, f"selector '{selector}' is not valid CSS: {exc}", rule_id
        ) from exc


def select(xpath: etree.XPath, root: etree._Element) -> list[etree._Element]:
    result = xpath(root)
    if not isinstance(result, list):
        return []
    return [el for el in result if isinstance(el, etree._Element)]


class InteractionLocator:
    """Finds the interaction whose element contains a given element, on one parsed page.

    Each interaction's CSS selector is resolved once (through an index of the page, not an
    XPath query over the whole page); containment is then a walk up the ancestors of the
    failing element.
    """

    def __init__(self, root: lxml.html.HtmlElement, interactions: Sequence[Interaction]) -> None:
        self._owner: dict[etree._Element, str] = {}
        index = PageIndex(root)
        for interaction in interactions:
            try:
                element = index.first_of(interaction.selector)
            except (SelectorError, etree.XPathError):
                continue  # a selector we cannot resolve only loses the link to the interaction
            if element is not None:
                self._owner.setdefault(element, interaction.id)

    def containing(self, element: etree._Element | None) -> str | None:
        node = element
        while node is not None:
            owner = self._owner.get(node)
            if owner is not None:
                return owner
            node = node.getparent()
        return None


@dataclass(frozen=True)
class CheckRule:
    """Metadata every finding-producing rule carries (static, exclusion, security packs)."""

    id: str
    title: str
    impact: Impact
    outcome: Outcome
    message: str
    wcag: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    selector: str | None = None
    help_url: str | None = None
    options: Mapping[str, Any] | None = None

    @classmethod
    def from_rule(cls, rule: Rule) -> CheckRule:
        raw = rule.raw
        impact_text = str(raw.get("impact", ""))
        try:
            impact = Impact(impact_text)
        except ValueError as exc:
            raise RulePackError(
                rule.path,
                f"impact '{impact_text}' is not one of {[i.value for i in Impact]}",
                rule.id,
            ) from exc
        outcome_text = str(raw.get("outcome", Outcome.VIOLATION.value))
        if outcome_text not in {Outcome.VIOLATION.value, Outcome.NEEDS_REVIEW.value}:
            raise RulePackError(rule.path, "outcome must be violation or needs_review", rule.id)
        message = raw.get("message")
        if not isinstance(message, str) or len(message.strip()) < 10:
            raise RulePackError(
                rule.path, "'message' must say what is wrong, why and the fix", rule.id
            )
        wcag = _string_list(raw, "wcag", rule)
        for criterion in wcag:
            if not _WCAG_SC.match(criterion):
                raise RulePackError(rule.path, f"wcag '{criterion}' is not like 1.1.1", rule.id)
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            raise RulePackError(rule.path, "'options' must be a mapping", rule.id)
        for key, value in options.items():
            # every option is a threshold or a count: a word here would fail on every page
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise RulePackError(
                    rule.path, f"option '{key}' must be a number, not {value!r}", rule.id
                )
        selector = raw.get("selector")
        if selector is not None and not isinstance(selector, str):
            raise RulePackError(rule.path, "'selector' must be CSS text", rule.id)
        return cls(
            id=rule.id,
            title=rule.title,
            impact=impact,
            outcome=Outcome(outcome_text),
            message=" ".join(message.split()),
            wcag=tuple(wcag),
            tags=tuple(_string_list(raw, "tags", rule)),
            selector=selector,
            help_url=raw.get("help_url"),
            options=options,
        )

    def option(self, key: str, default: Any) -> Any:
        return (self.options or {}).get(key, default)


def _string_list(raw: Mapping[str, Any], key: str, rule: Rule) -> list[str]:
    value = raw.get(key, []) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise RulePackError(rule.path, f"'{key}' must be a list of text", rule.id)
    return [str(v) for v in value]


def make_finding(
    rule: CheckRule,
    source: Source,
    page: Page,
    *,
    selector: str | None = None,
    snippet: str | None = None,
    detail: str | None = None,
    interaction: str | None = None,
    outcome: Outcome | None = None,
) -> Finding:
    """A Finding for ``rule`` on ``page``; ``detail`` (evidence) is prefixed to the message."""
    message = rule.message if not detail else f"{clean_text(detail, 400)} {rule.message}"
    final = outcome or rule.outcome
    return Finding(
        id=finding_id(page.url, rule.id, selector, final),
        fingerprint=finding_fingerprint(rule.id, page.url, selector),
        rule=rule.id,
        source=source,
        outcome=final,
        impact=rule.impact,
        page=page.url,
        message=message,
        wcag=rule.wcag,
        selector=selector,
        snippet=clean_text(snippet) if snippet else None,
        interaction=interaction,
        help_url=rule.help_url,
    )


def error_finding(rule_id: str, source: Source, page: Page, exc: BaseException) -> Finding:
    """A check that raised becomes a recorded error, never a crash of the run."""
    return Finding(
        id=finding_id(page.url, rule_id, None, Outcome.ERROR),
        fingerprint=finding_fingerprint(rule_id, page.url, None),
        rule=rule_id,
        source=source,
        outcome=Outcome.ERROR,
        impact=None,
        page=page.url,
        message=clean_text(f"check {rule_id} failed on this page: {type(exc).__name__}: {exc}"),
    )


def parse_finding(page: Page, notes: Sequence[str]) -> Finding:
    """A page whose markup met a parser limit: what was done, for a person to check."""
    return Finding(
        id=finding_id(page.url, PARSE_RULE, None, Outcome.NEEDS_REVIEW),
        fingerprint=finding_fingerprint(PARSE_RULE, page.url, None),
        rule=PARSE_RULE,
        source=Source.STATIC,
        outcome=Outcome.NEEDS_REVIEW,
        impact=None,
        page=page.url,
        message=clean_text("; ".join(notes)),
    )


def check_rules(rules: Iterable[Rule], known: Iterable[str], where: str) -> dict[str, CheckRule]:
    """Parse rule metadata and insist every rule has Python logic behind it."""
    parsed = {rule.id: CheckRule.from_rule(rule) for rule in rules}
    known_ids = set(known)
    for rule_id in parsed:
        if rule_id not in known_ids:
            raise RulePackError(where, "no check function is registered for this rule", rule_id)
    return parsed
