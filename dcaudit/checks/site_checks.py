"""Site-level exclusion factors, accumulated page by page with flat memory.

The pipeline creates one :class:`SiteObservations` per site (or run), calls
``observe(parsed, page, interactions)`` for every HTML page as it streams past, and asks
``findings()`` at the end. Only a few flags and sets of language codes are kept, never the
pages themselves.

- DCX010: a language the body must offer (Settings.required_languages, e.g. Welsh) appears
  nowhere: no page in it, no hreflang alternate, language link or /xx/ path.
- DCX011: no page links to an accessibility statement (UK Public Sector Bodies Accessibility
  Regulations 2018 require one).
- DCX001: a two-way interaction with no assisted route on its page, on a contact page it
  links to, or site-wide (assisted_route.py); ``route_findings()`` are page findings judged
  with the whole site, and ``notes()`` says which level decided.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dcaudit.checks.assisted_route import AssistedRoutes
from dcaudit.checks.exclusion_rules import ExclusionRules
from dcaudit.checks.findings import make_finding
from dcaudit.config import Settings
from dcaudit.models import Finding, Interaction, Page, Source
from dcaudit.parse.document import ParsedPage

_LANGUAGE_PATH = re.compile(
    r"^https?://([a-z]{2})\.|^https?://[^/]+/([a-z]{2})(?:/|$)", re.IGNORECASE
)


@dataclass
class SiteObservations:
    settings: Settings
    rules: ExclusionRules
    pages: int = 0
    first_page: Page | None = None
    languages_seen: set[str] = field(default_factory=set)
    languages_linked: set[str] = field(default_factory=set)
    statement_link: str | None = None
    routes: AssistedRoutes = field(init=False)

    def __post_init__(self) -> None:
        self.routes = AssistedRoutes(self.rules)

    def observe_page(self, page: Page) -> None:
        """Record a fetched URL that was not parsed (a document, an error)."""
        self.pages += 1
        if page.error is None and (self.first_page is None or page.depth < self.first_page.depth):
            self.first_page = page
        path = urlsplit(page.final_url or page.url).path
        if self.statement_link is None and any(p.search(path) for p in self.rules.statement_paths):
            self.statement_link = page.final_url or page.url

    def observe(
        self, parsed: ParsedPage, page: Page, interactions: Sequence[Interaction] = ()
    ) -> None:
        """Record what one HTML page tells about the site; cheap and bounded."""
        self.pages += 1
        if self.first_page is None or page.depth < self.first_page.depth:
            self.first_page = page
        lang = (page.lang or parsed.lang or "").strip().lower()
        if lang:
            self.languages_seen.add(lang.split("-", 1)[0])
        if self.settings.required_languages:
            self.languages_linked |= language_alternates(parsed, self.rules)
        if self.statement_link is None:
            self.statement_link = self._statement_link(parsed, page)
        self.routes.observe(parsed, page, interactions)

    def route_findings(self) -> list[Finding]:
        """DCX001 findings: each on its own page and interaction, judged with the whole site."""
        return self.routes.findings()

    def notes(self) -> list[str]:
        """What the report should say about how the site-level checks judged this run."""
        note = self.routes.note()
        return [note] if note else []

    def _statement_link(self, parsed: ParsedPage, page: Page) -> str | None:
        rules = self.rules
        if any(p.search(urlsplit(page.final_url or page.url).path) for p in rules.statement_paths):
            return page.final_url or page.url
        for link in parsed.root.iter("a"):
            href = link.get("href")
            if not href:
                continue
            text = " ".join(link.text_content().split())
            path = urlsplit(parsed.absolute(href)).path
            by_text = rules.statement_phrases is not None and rules.statement_phrases.search(text)
            if by_text or any(p.search(path) for p in rules.statement_paths):
                return parsed.absolute(href)
        return None

    def site_findings(self) -> list[Finding]:
        """Site-level findings, reported on the shallowest page seen (the home page)."""
        page = self.first_page
        if page is None:
            return []
        found: list[Finding] = []
        language_rule = self.rules.rule("DCX010")
        if language_rule is not None:
            available = self.languages_seen | self.languages_linked
            for code in self.settings.required_languages:
                if code.lower() not in available:
                    found.append(
                        make_finding(
                            language_rule,
                            Source.EXCLUSION,
                            page,
                            selector=f"site:lang:{code}",
                            detail=f"None of the {self.pages} pages is in or links to '{code}'.",
                        )
                    )
        statement_rule = self.rules.rule("DCX011")
        if statement_rule is not None and self.statement_link is None:
            found.append(
                make_finding(
                    statement_rule,
                    Source.EXCLUSION,
                    page,
                    selector="site:statement",
                    detail=f"None of the {self.pages} pages links to an accessibility statement.",
                )
            )
        return found


def language_alternates(parsed: ParsedPage, rules: ExclusionRules) -> set[str]:
    """Languages this page links to as alternates: hreflang, lang on links, language names
    as link text, and /xx/ path prefixes or xx. subdomains of links."""
    found: set[str] = set()
    for element in parsed.root.iter("link", "a"):
        hreflang = (element.get("hreflang") or "").strip().lower()
        if hreflang:
            found.add(hreflang.split("-", 1)[0])
        if element.tag != "a" or element.get("href") is None:
            continue
        link_lang = (element.get("lang") or "").strip().lower()
        if link_lang:
            found.add(link_lang.split("-", 1)[0])
        text = " ".join(element.text_content().split())
        for code, names in rules.language_names.items():
            if names.fullmatch(text.strip()) or names.fullmatch(text.strip().lower()):
                found.add(code)
        href = parsed.absolute(element.get("href") or "")
        match = _LANGUAGE_PATH.match(href)
        if match:
            found.add((match.group(1) or match.group(2)).lower())
    return found
