"""What one browser result adds to the store: axe's findings, the page's weight as the
browser measured it, the interactions that only exist once JavaScript has run, and an
error finding for a page the browser could not check; and, for a resume, the pages the
browser already did."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from dcaudit.browser.records import BrowserResult
from dcaudit.browser.resume import BROWSER_RULE
from dcaudit.checks.exclusion import ExclusionRules, js_dependence_findings, page_weight_findings
from dcaudit.checks.findings import error_finding
from dcaudit.classify.decision import ClassificationRules, classify
from dcaudit.errors import CheckError
from dcaudit.extract.interactions import extract_interactions
from dcaudit.locator import locate_findings
from dcaudit.models import Finding, Interaction, Page, Source
from dcaudit.parse.document import parse_html
from dcaudit.store import Store


@dataclass(frozen=True)
class BrowserRules:
    """The packs a browser result is judged with."""

    classification: ClassificationRules
    exclusion: ExclusionRules


def store_failure(store: Store, run_id: str, page: Page, result: BrowserResult) -> None:
    """The page could not be checked: an error finding says why (and lets a resume know)."""
    reason = CheckError(result.error or "unknown browser failure")
    store.put_findings(run_id, [error_finding(BROWSER_RULE, Source.AXE, page, reason)])


def checked_before(store: Store, run_id: str, pages: Mapping[str, Page]) -> dict[str, str | None]:
    """Pages the browser pass already did: url -> None when checked, else why it could not
    be (the reason its error finding gives)."""
    done: dict[str, str | None] = {url: None for url, p in pages.items() if p.browser_checked}
    for finding in store.findings(run_id):
        if finding.rule == BROWSER_RULE and finding.page not in done:
            done[finding.page] = finding.message.partition(f"{CheckError.__name__}: ")[2]
    return done


def store_result(
    store: Store,
    run_id: str,
    page: Page,
    raw: Sequence[Interaction],
    result: BrowserResult,
    rules: BrowserRules,
) -> None:
    """A checked page: its findings stored, then the page marked as checked. ``raw`` are
    the interactions the crawl found in the page's HTML."""
    findings = list(result.findings)
    findings.extend(
        page_weight_findings(
            page, page.bytes, result.request_count, result.transfer_bytes, rules.exclusion
        )
    )
    if result.rendered_html:
        findings.extend(javascript_only(store, run_id, page, result, raw, rules))
    store.put_findings(run_id, locate_in_source(store, run_id, page, findings))
    store.update_page(run_id, replace(page, browser_checked=True))


def locate_in_source(
    store: Store, run_id: str, page: Page, findings: Sequence[Finding]
) -> list[Finding]:
    """Browser findings with the locator and source line of their element in the page's
    HTML as served (a selector that only matches after scripts ran keeps no line)."""
    body = store.page_body(run_id, page.url) if findings else None
    if body is None:
        return list(findings)
    return locate_findings(findings, parse_html(page.final_url, body))


def javascript_only(
    store: Store,
    run_id: str,
    page: Page,
    result: BrowserResult,
    raw: Sequence[Interaction],
    rules: BrowserRules,
) -> list[Finding]:
    """Interactions that only exist once JavaScript has run: store them, flag the dependence.
    The rendered page's interactions are classified only when some are new (the flag needs
    no class, and classifying one page costs as much as finding its interactions)."""
    rendered_page = parse_html(result.final_url or page.url, result.rendered_html or "")
    scope_host = urlsplit(page.url).hostname
    rendered = extract_interactions(
        rendered_page,
        in_scope=lambda url: urlsplit(url).hostname == scope_host,
        rules=rules.classification,
    )
    findings = js_dependence_findings(page.url, raw, rendered, rules.exclusion)
    raw_keys = {(i.kind, i.target, i.label) for i in raw}
    if all((i.kind, i.target, i.label) in raw_keys for i in rendered):
        return findings
    added = [
        replace(i, tags=(*i.tags, "requires_javascript"))
        for i in classify(rendered, rendered_page, rules.classification)
        if (i.kind, i.target, i.label) not in raw_keys
    ]
    store.put_interactions(run_id, added)
    return findings


__all__ = ["BrowserRules", "checked_before", "store_failure", "store_result"]
