"""How reports describe a rule: by its title and its own advice, never by one instance.

A finding's message is about one element ("'Pay council tax online' is transactional and
..."); a rule covering seventeen of them is described by what the rule is. dcaudit's rules
have a title and a message that is the same for every instance (rules/<pack>/<ID>.yaml);
axe-core rules have a one-line help, recorded on the run by the browser pass
(``run.tool["axe_rules"]``). A rule known to neither is named by its id.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dcaudit.engine.packs import load_packs
from dcaudit.errors import RulePackError
from dcaudit.models import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleText:
    title: str  # what the rule is about
    advice: str | None = None  # the rule's own message: the same for every instance
    site_fix: bool = False  # one change serves every page (``fix_scope: site`` in its YAML)


def rule_texts(run: Run, rule_ids: Iterable[str]) -> dict[str, RuleText]:
    """Title and advice of each rule id, from the run's rule packs and axe-core's help."""
    extra = run.settings.get("rules_paths") or ()
    known = _pack_texts(tuple(str(p) for p in extra if isinstance(p, str)))
    axe = run.tool.get("axe_rules")
    axe_help: Mapping[str, object] = axe if isinstance(axe, dict) else {}
    texts: dict[str, RuleText] = {}
    for rule_id in dict.fromkeys(rule_ids):
        help_text = axe_help.get(rule_id)
        if rule_id in known:
            texts[rule_id] = known[rule_id]
        elif isinstance(help_text, str) and help_text.strip():
            texts[rule_id] = RuleText(" ".join(help_text.split()))
        else:
            texts[rule_id] = RuleText(_unknown_title(rule_id))
    return texts


def _unknown_title(rule_id: str) -> str:
    if rule_id.startswith("axe/"):
        return f"axe-core rule {rule_id.removeprefix('axe/')}"
    return f"Rule {rule_id}"


@functools.lru_cache(maxsize=4)
def _pack_texts(extra_dirs: tuple[str, ...]) -> dict[str, RuleText]:
    """Rule id -> text for the built-in packs and the run's own pack folders (those that
    still exist: a stored run may be rendered again on another machine)."""
    usable = tuple(d for d in extra_dirs if Path(d).is_dir())
    try:
        packs = load_packs(usable)
    except RulePackError as exc:  # a broken extra pack must not stop a report
        log.warning("rule packs for the report: %s; using the built-in packs", exc)
        packs = load_packs(())
    texts: dict[str, RuleText] = {}
    for pack in packs:
        for rule in pack.rules:
            message = rule.raw.get("message")
            advice = " ".join(message.split()) if isinstance(message, str) else None
            texts[rule.id] = RuleText(
                " ".join(rule.title.split()), advice or None, rule.raw.get("fix_scope") == "site"
            )
    return texts
