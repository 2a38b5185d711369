"""Measure the static checks against the W3C ACT Rules test cases.

Usage: python benchmarks/act.py PATH [--json FILE]

PATH is a folder holding the ACT Rules ``testcases.json`` and the ``testcases/`` pages
(as published in w3c/wcag-act-rules, content-assets/wcag-act-rules). Each static rule lists
the ACT rules it implements (``act_rules:`` in its YAML); for every mapped ACT rule, each test
case page is parsed from disk and the mapped rules run on it. Nothing is fetched: static
checks read neither scripts nor stylesheets. Cases whose page loads a script, stylesheet or
frame from another host are skipped and counted, and so are SVG and XML documents (the static
checks take HTML pages).

A case's result is ``failed`` if a mapped rule reports a violation, ``cantTell`` if it only
reports needs-review findings, else ``passed``. Per ACT rule, as in the W3C ACT
implementation reports:

- consistent: every failed case is reported failed, and no passed or inapplicable case is;
- partially consistent: no passed or inapplicable case is reported failed, and at least one
  failed case is reported failed or cantTell (others may be missed);
- inconsistent: a passed or inapplicable case is reported failed, or no failed case is caught.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dcaudit.checks.static_a11y import StaticRules, failing_elements, load_static_rules
from dcaudit.engine.packs import builtin_rules_dir, load_pack
from dcaudit.models import Outcome
from dcaudit.parse.document import parse_html

_EXTERNAL = re.compile(
    r"<(?:script|iframe|frame|object|embed)\b[^>]*\b(?:src|data)\s*=\s*[\"']?https?://"
    r"|<link\b[^>]*\bhref\s*=\s*[\"']?https?://[^>]*\bstylesheet",
    re.IGNORECASE,
)


@dataclass
class RuleTally:
    act_id: str
    name: str
    ours: list[str]
    failed_total: int = 0
    failed_caught: int = 0
    failed_cant_tell: int = 0
    false_positives: int = 0
    other_total: int = 0
    skipped: int = 0
    not_html: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.false_positives or (
            self.failed_total and not self.failed_caught and not self.failed_cant_tell
        ):
            return "inconsistent"
        if self.failed_caught == self.failed_total:
            return "consistent"
        return "partially consistent"


def case_result(html: str, url: str, rule_ids: list[str], rules: StaticRules) -> str:
    parsed = parse_html(url, html)
    outcomes = set()
    for rule_id in rule_ids:
        rule = rules.get(rule_id)
        for hit in failing_elements(parsed, rule_id, rules):
            outcomes.add(hit.outcome or rule.meta.outcome)
    if Outcome.VIOLATION in outcomes:
        return "failed"
    return "cantTell" if outcomes else "passed"


def measure(folder: Path) -> tuple[list[RuleTally], dict[str, float]]:
    rules = load_static_rules([load_pack(builtin_rules_dir() / "static-a11y")])
    by_act: dict[str, list[str]] = defaultdict(list)
    for rule in rules.rules:
        for act_id in rule.act_rules:
            by_act[act_id].append(rule.id)
    cases = json.loads((folder / "testcases.json").read_text(encoding="utf-8"))["testcases"]
    tallies: dict[str, RuleTally] = {}
    started = time.perf_counter()
    pages = 0
    for case in cases:
        act_id = case["ruleId"]
        if act_id not in by_act:
            continue
        tally = tallies.setdefault(act_id, RuleTally(act_id, case["ruleName"], by_act[act_id]))
        if not case["relativePath"].endswith(".html"):
            tally.not_html += 1
            continue
        html = (folder / case["relativePath"]).read_text(encoding="utf-8", errors="replace")
        if _EXTERNAL.search(html):
            tally.skipped += 1
            continue
        pages += 1
        try:
            result = case_result(html, case["url"], by_act[act_id], rules)
        except Exception as exc:  # report, do not stop the measurement
            tally.errors.append(f"{case['testcaseId']}: {exc}")
            result = "error"
        if case["expected"] == "failed":
            tally.failed_total += 1
            tally.failed_caught += result == "failed"
            tally.failed_cant_tell += result == "cantTell"
        else:
            tally.other_total += 1
            tally.false_positives += result == "failed"
    elapsed = time.perf_counter() - started
    return sorted(tallies.values(), key=lambda t: t.ours), {"pages": pages, "seconds": elapsed}


def print_table(tallies: list[RuleTally], timing: dict[str, float]) -> None:
    header = f"{'ACT':7} {'ours':15} {'failed caught':>13} {'cantTell':>8} {'FP':>3} "
    header += f"{'skip':>4}  verdict / ACT rule name"
    print(header)
    print("-" * len(header))
    for t in tallies:
        caught = f"{t.failed_caught}/{t.failed_total}"
        print(
            f"{t.act_id:7} {','.join(t.ours):15} {caught:>13} {t.failed_cant_tell:>8} "
            f"{t.false_positives:>3}/{t.other_total:<3} {t.skipped:>4}  {t.verdict}: {t.name}"
        )
        for error in t.errors:
            print(f"        error {error}")
    verdicts = [t.verdict for t in tallies]
    print()
    print(
        f"ACT rules: {len(tallies)}; consistent {verdicts.count('consistent')}, "
        f"partially consistent {verdicts.count('partially consistent')}, "
        f"inconsistent {verdicts.count('inconsistent')}. "
        f"Failed cases caught {sum(t.failed_caught for t in tallies)}/"
        f"{sum(t.failed_total for t in tallies)}; false positives "
        f"{sum(t.false_positives for t in tallies)}/{sum(t.other_total for t in tallies)}; "
        f"skipped: external resources {sum(t.skipped for t in tallies)}, "
        f"not HTML {sum(t.not_html for t in tallies)}."
    )
    print(f"{int(timing['pages'])} pages checked in {timing['seconds']:.2f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="folder with testcases.json and testcases/")
    parser.add_argument("--json", type=Path, help="also write the per-rule table as JSON")
    args = parser.parse_args(argv)
    if not (args.path / "testcases.json").is_file():
        print(f"no testcases.json in {args.path}", file=sys.stderr)
        return 2
    tallies, timing = measure(args.path)
    print_table(tallies, timing)
    if args.json:
        rows = [asdict(t) | {"verdict": t.verdict} for t in tallies]
        args.json.write_text(json.dumps({"rules": rows, "timing": timing}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
