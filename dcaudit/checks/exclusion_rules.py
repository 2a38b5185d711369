"""The compiled exclusion pack (rules/exclusion/): each rule's metadata, and its phrase
lists, patterns, hosts and selectors compiled from the pack's data files.

The page checks (exclusion.py), the assisted-route judge (assisted_route.py) and the site
checks (site_checks.py) all read it; this module imports none of them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cssselect import GenericTranslator
from lxml import etree

from dcaudit.checks.findings import CheckRule
from dcaudit.checks.hosts import HostPattern
from dcaudit.engine.packs import RulePack


def phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive alternation of literal phrases (never page-supplied)."""
    if not phrases:
        return None
    words = "|".join(re.escape(str(p).lower()) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)


@functools.lru_cache(maxsize=8)
def chrome_xpath(selectors: tuple[str, ...]) -> etree.XPath:
    """One XPath for the CSS selectors of a site's header, footer and navigation."""
    translator = GenericTranslator()
    return etree.XPath(" | ".join(translator.css_to_xpath(s) for s in selectors))


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


def compile_exclusion(
    packs: Sequence[RulePack], metas: Mapping[str, CheckRule], data: Mapping[str, Any]
) -> ExclusionRules:
    """The pack's data files compiled; a malformed one raises (re.error, ValueError ...)."""
    assisted = data.get("assisted_routes", {})
    captcha = data.get("captcha", {})
    language = data.get("languages", {})
    statement = data.get("accessibility_statement", {})
    compiled = ExclusionRules(
        rules=dict(metas),
        assisted_phrases=phrase_pattern(_list(assisted, "phrases")),
        assisted_patterns=tuple(re.compile(p) for p in _list(assisted, "patterns")),
        webchat_hosts=tuple(HostPattern.parse(h) for h in _list(assisted, "webchat_hosts")),
        captcha_hosts=tuple(HostPattern.parse(h) for h in _list(captcha, "hosts")),
        captcha_classes=frozenset(c.lower() for c in _list(captcha, "classes")),
        captcha_attributes=tuple(_list(captcha, "attributes")),
        login_paths=_patterns(_list(data.get("login", {}), "paths")),
        english_words=frozenset(w.lower() for w in _list(language, "english_words")),
        language_names={
            str(code).lower(): pattern
            for code, names in (language.get("names") or {}).items()
            if (pattern := phrase_pattern([str(n) for n in names])) is not None
        },
        statement_phrases=phrase_pattern(_list(statement, "phrases")),
        statement_paths=_patterns(_list(statement, "paths")),
        version=",".join(f"{p.name}@{p.version}" for p in packs),
        site_chrome=tuple(_list(assisted, "site_chrome")),
        contact_paths=_patterns(_list(assisted, "contact_paths")),
        contact_phrases=phrase_pattern(_list(assisted, "contact_phrases")),
    )
    if compiled.site_chrome:
        chrome_xpath(compiled.site_chrome)  # a bad selector fails here, not on a page
    return compiled


def _patterns(texts: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in texts)


def _list(block: object, key: str) -> list[str]:
    if not isinstance(block, dict):
        raise ValueError(f"expected a mapping holding '{key}'")
    value = block.get(key, []) or []
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list")
    return [str(v) for v in value]
