"""axe-core results (as returned by our page runner) -> Findings.

One Finding per axe node. Everything here comes from an audited page, so it is treated
as untrusted: every field is type-checked and text is truncated; malformed entries are
skipped rather than trusted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from dcaudit.models import Finding, Impact, Outcome, Source

SNIPPET_LIMIT = 500
MESSAGE_LIMIT = 2000
SELECTOR_LIMIT = 1000
FRAME_JOINER = " >>> "  # between iframe / shadow-root hops of one axe target
_CRITERION_TAG = re.compile(r"^wcag(\d)(\d)(\d{1,2})$")  # wcag111 -> 1.1.1, wcag1410 -> 1.4.10
_IMPACTS = {impact.value: impact for impact in Impact}
_OUTCOMES = (("violations", Outcome.VIOLATION), ("incomplete", Outcome.NEEDS_REVIEW))


def _short_hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def page_path(page_url: str) -> str:
    """The page's path and query without scheme, host and port.

    Fingerprints use it so a finding keeps its fingerprint when the same site is served
    from another host or port (a staging copy, a loopback demo on a random port).
    """
    parts = urlsplit(page_url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def finding_fingerprint(rule: str, page_url: str, selector: str | None) -> str:
    """Stable across runs: rule + host-independent page path + selector."""
    return _short_hash(rule, page_path(page_url), selector or "")


def finding_id(page_url: str, rule: str, selector: str | None, outcome: Outcome) -> str:
    return _short_hash(page_url, rule, selector or "", outcome.value)


def wcag_criteria(tags: Iterable[object]) -> tuple[str, ...]:
    """WCAG success criteria named by axe tags (level tags such as wcag2aa are not criteria)."""
    found: list[str] = []
    for tag in tags:
        match = _CRITERION_TAG.match(tag) if isinstance(tag, str) else None
        if match:
            criterion = ".".join(match.groups())
            if criterion not in found:
                found.append(criterion)
    return tuple(found)


def join_target(target: object) -> str | None:
    """axe node target -> one selector; frame and shadow hops joined with ' >>> '."""
    if not isinstance(target, list):
        return None
    parts: list[str] = []
    for hop in target:
        if isinstance(hop, str):
            parts.append(hop)
        elif isinstance(hop, list) and all(isinstance(inner, str) for inner in hop):
            parts.extend(hop)
        else:
            return None
    return FRAME_JOINER.join(parts)[:SELECTOR_LIMIT] if parts else None


def _text(value: object, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def axe_findings(
    page_url: str,
    results: Mapping[str, Any],
    interaction_ids: Sequence[str],
) -> tuple[Finding, ...]:
    """Findings for ``violations`` and ``incomplete`` in ``results``.

    Each node may carry ``owner``: an index into ``interaction_ids`` (the innermost
    interaction element containing the node, worked out in the page) or -1.
    """
    findings: list[Finding] = []
    seen: set[str] = set()
    for key, outcome in _OUTCOMES:
        rules = results.get(key)
        if not isinstance(rules, list):
            continue
        for rule in rules:
            if isinstance(rule, dict):
                findings.extend(_rule_findings(page_url, rule, outcome, interaction_ids, seen))
    return tuple(findings)


def axe_rule_help(results: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """``(axe/<id>, help)`` of every axe rule with a result on the page: the rule's one-line
    description, the same on every page, which reports describe a rule by (an instance's
    message is its failure summary)."""
    found: dict[str, str] = {}
    for key, _ in _OUTCOMES:
        rules = results.get(key)
        for rule in rules if isinstance(rules, list) else ():
            if not isinstance(rule, dict):
                continue
            rule_id = _text(rule.get("id"), 100)
            help_text = _text(rule.get("help"), MESSAGE_LIMIT)
            if rule_id and help_text and help_text.strip():
                found.setdefault(f"axe/{rule_id}", " ".join(help_text.split()))
    return tuple(sorted(found.items()))


def _rule_findings(
    page_url: str,
    rule: Mapping[str, Any],
    outcome: Outcome,
    interaction_ids: Sequence[str],
    seen: set[str],
) -> Iterable[Finding]:
    rule_id = _text(rule.get("id"), 100)
    nodes = rule.get("nodes")
    if rule_id is None or not isinstance(nodes, list):
        return
    name = f"axe/{rule_id}"
    tags = rule.get("tags")
    criteria = wcag_criteria(tags) if isinstance(tags, list) else ()
    help_text = _text(rule.get("help"), MESSAGE_LIMIT) or name
    help_url = _text(rule.get("helpUrl"), SELECTOR_LIMIT)
    for node in nodes:
        if not isinstance(node, dict):
            continue
        selector = join_target(node.get("target"))
        ident = finding_id(page_url, name, selector, outcome)
        if ident in seen:  # axe can report one element twice for a rule; keep one
            continue
        seen.add(ident)
        impact = node.get("impact") or rule.get("impact")
        yield Finding(
            id=ident,
            fingerprint=finding_fingerprint(name, page_url, selector),
            rule=name,
            source=Source.AXE,
            outcome=outcome,
            impact=_IMPACTS.get(impact) if isinstance(impact, str) else None,
            page=page_url,
            message=_text(node.get("failureSummary"), MESSAGE_LIMIT) or help_text,
            wcag=criteria,
            selector=selector,
            snippet=_text(node.get("html"), SNIPPET_LIMIT),
            interaction=_owner(node.get("owner"), interaction_ids),
            help_url=help_url,
        )


def _owner(index: object, interaction_ids: Sequence[str]) -> str | None:
    if isinstance(index, bool) or not isinstance(index, int):
        return None
    return interaction_ids[index] if 0 <= index < len(interaction_ids) else None
