"""Running the exclusion rules' examples (rules/exclusion/tests/<ID>.html).

Interactions on example pages are the elements carrying ``data-class`` (checks/examples.py);
elements marked ``data-rendered-only`` are missing from the raw HTML (for DCX007). An example
that is a ``<textarea data-site>`` holds several pages of one site, each starting with
``<html data-url="...">`` (for DCX001, whose route may be on another page).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

from dcaudit.checks.assisted_route import AssistedRoutes
from dcaudit.checks.examples import (
    EXAMPLE_URL,
    example_interactions,
    example_page,
    fires_on,
    same_element,
)
from dcaudit.checks.exclusion import (
    ExclusionRules,
    check_exclusion,
    count_linked_resources,
    js_dependence_findings,
    load_exclusion_rules,
    page_weight_findings,
)
from dcaudit.checks.site_checks import SiteObservations
from dcaudit.config import Settings
from dcaudit.engine.packs import Example, Rule, load_pack
from dcaudit.extract.document import ParsedPage, parse_html
from dcaudit.models import Finding, Page

_PAGE_START = re.compile(r"(?=<html\b)", re.IGNORECASE)
_DATA_URL = re.compile(r'^<html\b[^>]*\bdata-url="([^"]+)"', re.IGNORECASE)


def run_example(rule: Rule, example: Example, parsed: ParsedPage) -> bool:
    """Whether ``rule`` fires on an example of its tests/<ID>.html."""
    rules = _pack_rules(str(Path(rule.path).parent))
    if example.element.get("data-site") is not None:  # several pages, judged as one site
        return bool(site_example_findings(rule.id, example, rules))
    page_parsed = example_page(example)
    target = None
    if page_parsed is None:
        page_parsed, target = parsed, same_element(example.element, parsed.root)
    findings = example_findings(rule.id, example, page_parsed, rules)
    return fires_on(target, findings)


@functools.lru_cache(maxsize=4)
def _pack_rules(pack_dir: str) -> ExclusionRules:
    return load_exclusion_rules([load_pack(Path(pack_dir))])


def _example_record(parsed: ParsedPage, attrs: Mapping[str, str]) -> Page:
    return Page(
        url=parsed.url,
        final_url=attrs.get("data-final-url") or parsed.url,
        status=200,
        content_type="text/html",
        bytes=None,
        depth=0,
        lang=parsed.lang,
        title=parsed.title,
    )


def site_example_findings(rule_id: str, example: Example, rules: ExclusionRules) -> list[Finding]:
    """The site-level findings of a ``<textarea data-site>`` example: the pages of one site,
    one after another, each starting with ``<html data-url="...">``."""
    routes = AssistedRoutes(rules)
    for html in _PAGE_START.split(example.element.text or ""):
        if not html.strip():
            continue
        url = _DATA_URL.search(html)
        parsed = parse_html(url.group(1) if url else EXAMPLE_URL, html)
        page = _example_record(parsed, {})
        routes.observe(parsed, page, example_interactions(parsed))
    return [f for f in routes.findings() if f.rule == rule_id]


def example_findings(
    rule_id: str, example: Example, parsed: ParsedPage, rules: ExclusionRules
) -> list[Finding]:
    attrs = example.element.attrib
    page = _example_record(parsed, attrs)
    required = tuple(c for c in (attrs.get("data-required-languages") or "").split() if c)
    settings = Settings(required_languages=required)
    rendered = example_interactions(parsed)
    if rule_id == "DCX006":
        transfer = attrs.get("data-transfer-bytes")
        requests = attrs.get("data-request-count")
        return page_weight_findings(
            page,
            len(parsed.html.encode("utf-8")),
            int(requests) if requests else 1 + count_linked_resources(parsed),
            int(transfer) if transfer else None,
            rules,
        )
    if rule_id == "DCX007":
        raw = [i for i in rendered if "rendered-only" not in i.tags]
        return js_dependence_findings(parsed.url, raw, rendered, rules, page)
    if rule_id in {"DCX001", "DCX010", "DCX011"}:
        site = SiteObservations(settings, rules)
        site.observe(parsed, page, rendered)
        found = [*site.route_findings(), *site.site_findings()]
        return [f for f in found if f.rule == rule_id]
    findings, _ = check_exclusion(parsed, page, rendered, rules, settings)
    return [f for f in findings if f.rule == rule_id]
