"""The CI gate (``--fail-on``): conditions on the summary figures that fail a build.

A condition is ``<metric><operator><number>``, for example ``critical>0``, ``serious>=5``,
``two_way_share<0.25`` or ``site_risk>40``; spaces are allowed around the operator.
Operators: ``>``, ``>=``, ``<``, ``<=``, ``==``, ``!=``. A condition that holds is a failure.

Metrics (counts unless said otherwise):

==================  ==============================================================
critical            accessibility and other violations of critical impact
serious             violations of serious impact (exactly serious, not "or worse")
moderate            violations of moderate impact
minor               violations of minor impact
blocking            violations of critical or serious impact
violations          every violation
needs_review        findings a person has to check ("needs review" is not a failure)
findings            every finding
axe, static,        violations from that source of checks
exclusion, security
errors              pages that could not be fetched plus checks that failed on a page
failed_pages        pages that could not be fetched (HTTP errors, time-outs, too large...)
pages               pages and documents fetched
interactions        interactions found
two_way             two-way interactions (transactional, consultative, collaborative)
utility,            interactions of that class
information,
digital_layer,
transactional,
consultative,
collaborative
two_way_share       two-way interactions / non-utility interactions, 0 to 1
blocked_two_way     two-way interactions with at least one violation attached
four_cos            Four Co's with at least one two-way interaction, 0 to 4
site_risk           mean risk of non-utility interactions
max_page_risk       highest page risk
==================  ==============================================================

A metric with no value (``two_way_share`` when a site has no non-utility interaction) cannot
show the site is within a threshold, so its conditions fail and say why.

With ``--baseline FILE`` (:mod:`dcaudit.diff`), conditions on the difference as well:

==================  ==============================================================
new                 violations whose identity the baseline does not cover
new.<metric>        new violations of one kind: new.serious, new.blocking, new.axe,
                    new.needs_review (new findings that need review) ...
new.rule(ID)        new violations of one rule, e.g. new.rule(DCA001)
fixed               baseline violations no longer found
lost_two_way        two-way interactions gone, or become one-way
new_interactions,   interactions that appeared, vanished, changed class
gone_interactions,
reclassified
expired             baseline entries past their ``expires`` date
pages_added,        pages not in the baseline, baseline pages not found
pages_removed
site_risk_delta     site risk now minus site risk in the baseline
==================  ==============================================================
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dcaudit.diff import CHANGE_METRICS, NEW_SUBSETS, Changes, change_values, new_of_rule
from dcaudit.errors import ConfigError
from dcaudit.models import InteractionClass, Source

# metric name -> words used when a condition fails
METRICS: dict[str, str] = {
    "critical": "critical violations",
    "serious": "serious violations",
    "moderate": "moderate violations",
    "minor": "minor violations",
    "blocking": "critical and serious violations",
    "violations": "violations",
    "needs_review": "findings that need review",
    "findings": "findings",
    **{s.value: f"{s.value} violations" for s in Source},
    "errors": "errors",
    "failed_pages": "pages that could not be fetched",
    "pages": "pages",
    "interactions": "interactions",
    "two_way": "two-way interactions",
    **{c.value: f"{c.value.replace('_', ' ')} interactions" for c in InteractionClass},
    "two_way_share": "two-way share",
    "blocked_two_way": "two-way interactions with violations",
    "four_cos": "Four Co's covered",
    "site_risk": "site risk",
    "max_page_risk": "highest page risk",
}

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}

_CONDITION = re.compile(
    r"^\s*(?P<metric>[A-Za-z_]+(?:\.[A-Za-z_]+(?:\([^()]*\))?)?)"
    r"\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>[-+]?\d+(?:\.\d+)?)\s*$"
)
_RULE_METRIC = re.compile(r"^new\.rule\((?P<rule>[^()]+)\)$", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    threshold: float
    text: str  # as the user wrote it

    def holds(self, value: float) -> bool:
        return OPERATORS[self.op](value, self.threshold)


def parse_conditions(conditions: Sequence[str]) -> list[Condition]:
    """Parse ``--fail-on`` conditions; a bad one raises ConfigError naming it and the fix."""
    parsed: list[Condition] = []
    for raw in conditions:
        match = _CONDITION.match(raw)
        if match is None:
            raise ConfigError(
                f"fail-on condition {raw!r} is not <metric><operator><number>, "
                "e.g. 'serious>0' or 'two_way_share<0.25' (operators: > >= < <= == !=)"
            )
        metric = _metric_name(match["metric"])
        if metric is None:
            raise ConfigError(
                f"fail-on condition {raw!r}: unknown metric '{match['metric']}'; "
                f"known metrics: {', '.join(METRICS)}; with --baseline: "
                f"{', '.join(CHANGE_METRICS)}, new.<metric>, new.rule(ID)"
            )
        parsed.append(Condition(metric, match["op"], float(match["value"]), raw.strip()))
    return parsed


def _metric_name(written: str) -> str | None:
    """The metric as evaluated (lower case; a rule id kept as written), or None if unknown."""
    rule = _RULE_METRIC.match(written.strip())
    if rule:
        return f"new.rule({rule['rule'].strip()})"
    metric = written.lower()
    if metric in METRICS or metric in CHANGE_METRICS:
        return metric
    if metric.startswith("new.") and metric[4:] in NEW_SUBSETS:
        return metric
    return None


def needs_baseline(conditions: Sequence[Condition]) -> list[str]:
    """The conditions that compare with a baseline, as written."""
    return [c.text for c in conditions if c.metric not in METRICS]


def metric_values(summary: Mapping[str, Any]) -> dict[str, float | None]:
    """Each gate metric's value from a :func:`dcaudit.summary.summarise` result."""
    findings = summary["findings"]
    by_impact = findings["by_impact"]
    interactions = summary["interactions"]
    values: dict[str, float | None] = {
        "critical": by_impact["critical"],
        "serious": by_impact["serious"],
        "moderate": by_impact["moderate"],
        "minor": by_impact["minor"],
        "blocking": by_impact["critical"] + by_impact["serious"],
        "violations": findings["by_outcome"]["violation"],
        "needs_review": findings["by_outcome"]["needs_review"],
        "findings": findings["total"],
        "errors": summary["errors"],
        "failed_pages": summary["pages"]["errors"],
        "pages": summary["pages"]["total"],
        "interactions": interactions["total"],
        "two_way": interactions["by_mode"]["two_way"],
        "two_way_share": summary["two_way_share"],
        "blocked_two_way": summary["blocked_two_way"],
        "four_cos": summary["four_cos_coverage"]["count"],
        "site_risk": summary["risk"]["site"],
        "max_page_risk": summary["risk"]["max_page"],
    }
    for source in Source:
        values[source.value] = findings["violations_by_source"][source.value]
    for cls in InteractionClass:
        values[cls.value] = interactions["by_class"][cls.value]
    return values


def evaluate(
    conditions: Sequence[Condition], summary: Mapping[str, Any], changes: Changes | None = None
) -> list[str]:
    """The conditions that hold (the build fails), each in plain words, in the order given;
    ``changes`` (from a baseline) gives the values of the change metrics."""
    values = metric_values(summary)
    if changes is not None:
        values.update(change_values(changes))
    failed: list[str] = []
    for condition in conditions:
        words, value = _words_and_value(condition.metric, values, changes)
        limit = _number(condition.threshold)
        if value is None:
            failed.append(f"{words}: no value (nothing to measure) for {condition.text}")
        elif condition.holds(value):
            failed.append(f"{words}: {_number(value)} {condition.op} {limit}")
    return failed


def _words_and_value(
    metric: str, values: Mapping[str, float | None], changes: Changes | None
) -> tuple[str, float | None]:
    rule = _RULE_METRIC.match(metric)
    if rule:
        count = new_of_rule(changes, rule["rule"]) if changes is not None else None
        return f"new {rule['rule']} violations", count
    if metric.startswith("new."):
        return f"new {METRICS[metric[4:]]}", values.get(metric)
    return METRICS.get(metric) or CHANGE_METRICS[metric], values.get(metric)


def _number(value: float) -> str:
    """12.0 -> '12', 0.1834 -> '0.1834': the figure as a person would write it."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return f"{value:g}"
