"""Agreement of dcaudit's static checks with axe-core, per rule, on a stored run.

    .venv/bin/python benchmarks/axe_agreement.py [STORE] [RUN]

Defaults: audit the bundled demo site with the browser (axe tags: WCAG plus best-practice,
so every axe rule a static check maps to runs) into a temporary folder first; with STORE
(and RUN) read that run instead. Prints one row per axe rule that a static
check maps to; a rule whose disagreements outnumber its agreements is marked as
contradicting axe, which the project treats as a bug.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from dcaudit.checks.agreement import agreement_lines, compare_with_axe
from dcaudit.checks.static_a11y import load_static_rules
from dcaudit.config import load_settings
from dcaudit.demo import DemoServer
from dcaudit.engine.packs import load_packs
from dcaudit.models import Source
from dcaudit.pipeline import run_audit
from dcaudit.store import Store


def audit_demo(folder: Path) -> tuple[Path, str]:
    settings = load_settings(
        {
            "out_dir": str(folder),
            "delay": 0.0,
            "formats": "json",
            # best-practice too: several axe rules our static checks map to carry only that tag
            "axe_tags": "wcag2a,wcag2aa,wcag21a,wcag21aa,wcag22aa,best-practice",
        },
        environ={},
        cwd=folder,
    )
    with DemoServer() as server:
        result = run_audit(settings, [server.url])
    return settings.store_path, result.run.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", nargs="?", type=Path)
    parser.add_argument("run", nargs="?")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.store is None:
            store_path, run_id = audit_demo(Path(tmp))
        else:
            store_path, run_id = args.store, args.run
        with Store(store_path) as store:
            if run_id is None:
                run_id = store.list_runs()[-1].id
            findings = list(store.findings(run_id))
            checked = [p.url for p in store.pages(run_id) if p.browser_checked]
        static = [f for f in findings if f.source is Source.STATIC]
        axe = [f for f in findings if f.source is Source.AXE]
        table = compare_with_axe(static, axe, load_static_rules(load_packs()), checked)
        print(f"run {run_id}: {len(checked)} pages checked by both")
        for line in agreement_lines(table):
            print(line)
        contradicting = [rule for rule, row in table.items() if row.contradicts]
        print(f"rules contradicting axe: {len(contradicting)} {contradicting or ''}")
    return 1 if contradicting else 0


if __name__ == "__main__":
    sys.exit(main())
