"""DCX001: an assisted or offline route, judged at the level people find it.

Someone who cannot finish a service online looks for help on the service's page, then in the
site's header and footer and on the contact page they link to. So a route counts at three
levels (rules/exclusion/assisted-routes.yaml has the phrases, patterns and selectors):

- **page**: the page shows a route (a tel: or sms: link, a UK phone number or postcode, an
  in-person, postal or webchat phrase, a webchat widget);
- **contact page**: the page links to a contact page that shows one;
- **site**: the header, footer or navigation of any page shows one, or links to a contact
  page that shows one. That route serves every page.

Pages are seen one at a time and in any order, so :class:`AssistedRoutes` keeps, per page
without a route of its own, only its two-way interactions (at most ``max_per_page``) and the
contact pages it links to, and judges them once the whole site has been seen. Each finding
says which levels were looked at, and :meth:`AssistedRoutes.note` says which level decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from dcaudit.checks.exclusion_rules import ExclusionRules, chrome_xpath
from dcaudit.checks.findings import CheckRule, clean_text, make_finding
from dcaudit.checks.hosts import first_match
from dcaudit.models import Finding, Interaction, InteractionClass, Kind, Mode, Page, Source
from dcaudit.parse.document import ParsedPage, visible_text

RULE_ID = "DCX001"
NOTE_PREFIX = "assisted route (DCX001)"  # starts the run note; reports show it by this
TWO_WAY_CLASSES = frozenset(
    {InteractionClass.TRANSACTIONAL, InteractionClass.CONSULTATIVE, InteractionClass.COLLABORATIVE}
)
_CALL_SCHEMES = ("tel:", "sms:")
_CALL_LINK = {"tel": "a phone link (tel:)", "sms": "a text message link (sms:)"}


def is_two_way(interaction: Interaction) -> bool:
    return interaction.mode == Mode.TWO_WAY or interaction.interaction_class in TWO_WAY_CLASSES


def needs_route(interactions: Sequence[Interaction]) -> list[Interaction]:
    """The two-way interactions a route must serve. "Was this page useful?" is feedback on
    the website, not a service anyone is excluded from."""
    return [i for i in interactions if is_two_way(i) and "site_feedback" not in i.tags]


def text_route(text: str, rules: ExclusionRules) -> str | None:
    """What in ``text`` is an assisted route: a phrase, a phone number or a postcode."""
    if rules.assisted_phrases is not None:
        found = rules.assisted_phrases.search(text)
        if found:
            return f"“{clean_text(found.group(0), 40)}”"
    for pattern in rules.assisted_patterns:
        found = pattern.search(text)
        if found:
            return f"“{clean_text(found.group(0), 40)}”"
    return None


def _call_link(elements: Iterable[etree._Element]) -> str | None:
    for link in elements:
        href = (link.get("href") or "").strip()
        if href.lower().startswith(_CALL_SCHEMES):
            return _CALL_LINK[href.split(":", 1)[0].lower()]
    return None


def page_route(
    parsed: ParsedPage, interactions: Sequence[Interaction], rules: ExclusionRules
) -> str | None:
    """What on the page is an assisted route (for the finding and the note), or None."""
    for interaction in interactions:
        target = (interaction.target or "").lower()
        if interaction.kind == Kind.CONTACT and target.startswith(_CALL_SCHEMES):
            return _CALL_LINK[target.split(":", 1)[0]]
    found = _call_link(parsed.root.iter("a"))
    if found:
        return found
    for element in parsed.root.iter("script", "iframe"):
        if first_match(element.get("src") or "", rules.webchat_hosts):
            return "a webchat widget"
    return text_route(parsed.text, rules)


def has_assisted_route(
    parsed: ParsedPage, interactions: Sequence[Interaction], rules: ExclusionRules
) -> bool:
    return page_route(parsed, interactions, rules) is not None


def site_chrome(parsed: ParsedPage, rules: ExclusionRules) -> list[etree._Element]:
    """The page's header, footer and navigation (outermost only)."""
    if not rules.site_chrome:
        return []
    found = chrome_xpath(rules.site_chrome)(parsed.root)
    if not isinstance(found, list):
        return []
    elements = [e for e in found if isinstance(e, etree._Element)]
    inside = {id(d) for e in elements for d in e.iterdescendants()}
    return [e for e in elements if id(e) not in inside]


def chrome_route(chrome: Sequence[etree._Element], rules: ExclusionRules) -> str | None:
    """A route shown in the site's header, footer or navigation."""
    for element in chrome:
        found = _call_link(element.iter("a")) or text_route(visible_text(element), rules)
        if found:
            return found
    return None


def _is_contact_path(url: str, rules: ExclusionRules) -> bool:
    path = urlsplit(url).path or "/"
    return any(pattern.search(path) for pattern in rules.contact_paths)


def contact_links(
    elements: Iterable[etree._Element], parsed: ParsedPage, rules: ExclusionRules
) -> set[str]:
    """Same-site contact pages linked from ``elements``: by the link's path or its words."""
    host = urlsplit(parsed.url).hostname
    found: set[str] = set()
    for element in elements:
        for link in element.iter("a"):
            href = link.get("href")
            if not href or href.strip().lower().startswith(("mailto:", *_CALL_SCHEMES)):
                continue
            url = parsed.absolute(href).split("#", 1)[0]
            if urlsplit(url).hostname != host:
                continue
            words = " ".join(" ".join(str(t) for t in link.itertext()).split())
            by_words = rules.contact_phrases is not None and rules.contact_phrases.search(words)
            if by_words or _is_contact_path(url, rules):
                found.add(url)
    return found


def is_contact_page(parsed: ParsedPage, page: Page, rules: ExclusionRules) -> bool:
    if _is_contact_path(page.final_url or page.url, rules) or _is_contact_path(page.url, rules):
        return True
    title = parsed.title or ""
    return rules.contact_phrases is not None and bool(rules.contact_phrases.search(title))


@dataclass(frozen=True)
class _Waiting:
    """A page with two-way interactions and no route of its own, judged at the end."""

    page: Page
    interactions: tuple[tuple[str, str, str, str], ...]  # id, selector, label, class
    contacts: frozenset[str]


@dataclass
class AssistedRoutes:
    """DCX001 over a whole site: feed every HTML page to :meth:`observe`, then ask
    :meth:`findings` and :meth:`note`."""

    rules: ExclusionRules
    waiting: list[_Waiting] = field(default_factory=list)
    routed_contacts: dict[str, str] = field(default_factory=dict)  # contact page URL -> route
    chrome_contacts: set[str] = field(default_factory=set)  # linked from a header or footer
    chrome_route: tuple[str, str] | None = None  # (page URL, route) in a header or footer
    own_route_pages: int = 0

    @property
    def rule(self) -> CheckRule | None:
        return self.rules.rule(RULE_ID)

    def observe(self, parsed: ParsedPage, page: Page, interactions: Sequence[Interaction]) -> None:
        rule = self.rule
        if rule is None:
            return
        route = page_route(parsed, interactions, self.rules)
        if route and is_contact_page(parsed, page, self.rules):
            for url in {page.url, page.final_url or page.url}:
                self.routed_contacts.setdefault(url, route)
        chrome = site_chrome(parsed, self.rules)
        self.chrome_contacts |= contact_links(chrome, parsed, self.rules)
        if self.chrome_route is None:
            found = chrome_route(chrome, self.rules)
            if found:
                self.chrome_route = (page.final_url or page.url, found)
        served = needs_route(interactions)
        if not served:
            return
        if route:
            self.own_route_pages += 1
            return
        limit = int(rule.option("max_per_page", 5))
        self.waiting.append(
            _Waiting(
                page=page,
                interactions=tuple(
                    (i.id, i.selector, i.label, f"{i.interaction_class or 'two-way'}")
                    for i in served[:limit]
                ),
                contacts=frozenset(contact_links([parsed.root], parsed, self.rules)),
            )
        )

    def site_route(self) -> tuple[str, str, str] | None:
        """(where, what, how it is found) of a route that serves every page, or None."""
        for url in sorted(self.chrome_contacts):
            if url in self.routed_contacts:
                return url, self.routed_contacts[url], "the site's header or footer links to"
        if self.chrome_route is not None:
            url, what = self.chrome_route
            return url, what, "is in the site's header or footer there"
        return None

    def findings(self) -> list[Finding]:
        """One finding per two-way interaction that no level serves."""
        rule = self.rule
        if rule is None or self.site_route() is not None:
            return []
        found: list[Finding] = []
        for item in self.waiting:
            if item.contacts & self.routed_contacts.keys():
                continue
            found.extend(_finding(rule, item.page, flag) for flag in item.interactions)
        return found

    def note(self) -> str | None:
        """How DCX001 was judged on this run, for the report."""
        if self.rule is None or (not self.waiting and not self.own_route_pages):
            return None
        waiting = sum(len(w.interactions) for w in self.waiting)
        site = self.site_route()
        if site is not None:
            url, what, how = site
            return (
                f"{NOTE_PREFIX} judged at site level: {_path(url)} shows {what}, "
                f"which {how}, so it counts for every page; {waiting} two-way interaction"
                f"{_s(waiting)} on {len(self.waiting)} page{_s(len(self.waiting))} with no "
                "route of their own rely on it"
            )
        by_contact = sum(1 for w in self.waiting if w.contacts & self.routed_contacts.keys())
        return (
            f"{NOTE_PREFIX} judged page by page: no site-wide route was found (no "
            "phone number, address or other route in the header or footer, nor on a contact "
            f"page they link to); {by_contact} page{_s(by_contact)} link to a contact page "
            "that shows one"
        )


def _finding(rule: CheckRule, page: Page, flag: tuple[str, str, str, str]) -> Finding:
    interaction_id, selector, label, klass = flag
    return make_finding(
        rule,
        Source.EXCLUSION,
        page,
        selector=selector,
        snippet=label,
        interaction=interaction_id,
        detail=f"'{clean_text(label, 80)}' is {klass} and no phone, address, in-person or "
        "webchat route was found at any level: not on the page, not on a contact page it "
        "links to, and not site-wide (header, footer or the contact page they link to).",
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return clean_text(parts.path or "/", 120)


def _s(count: int) -> str:
    return "" if count == 1 else "s"
