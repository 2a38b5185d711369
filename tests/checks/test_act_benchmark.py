"""benchmarks/act.py on a tiny ACT-style suite made here (never the real suite)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "act.py"


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("act_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def write_suite(root: Path, cases: list[tuple[str, str, str]]) -> None:
    entries = []
    for n, (rule, expected, html) in enumerate(cases):
        relative = f"testcases/{rule}/{n}.html"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(html, encoding="utf-8")
        entries.append(
            {
                "ruleId": rule,
                "ruleName": f"rule {rule}",
                "expected": expected,
                "testcaseId": str(n),
                "relativePath": relative,
                "url": f"https://act.example/{relative}",
            }
        )
    (root / "testcases.json").write_text(json.dumps({"testcases": entries}), encoding="utf-8")


def test_act_benchmark_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_suite(
        tmp_path,
        [
            ("23a2a8", "failed", '<html lang="en"><body><img src="a.png"></body></html>'),
            ("23a2a8", "passed", '<html lang="en"><body><img src="a.png" alt="A"></body></html>'),
            ("b5c3f8", "failed", "<html><body>x</body></html>"),
            ("b5c3f8", "passed", '<html lang="en"><body>x</body></html>'),
            (
                "b5c3f8",
                "failed",
                '<html><body><script src="https://cdn.example/x.js"></script></body></html>',
            ),
            ("2779a5", "failed", '<html lang="en"><head><title>x</title></head></html>'),
            ("2779a5", "passed", '<html lang="en"><head><title>Fine</title></head></html>'),
            ("zzzzzz", "failed", "<html></html>"),
        ],
    )
    act = load_benchmark()
    assert act.main([str(tmp_path), "--json", str(tmp_path / "out.json")]) == 0
    rows = {r["act_id"]: r for r in json.loads((tmp_path / "out.json").read_text())["rules"]}
    assert rows["23a2a8"]["verdict"] == "consistent"
    assert rows["b5c3f8"]["verdict"] == "consistent" and rows["b5c3f8"]["skipped"] == 1
    assert rows["2779a5"]["verdict"] == "inconsistent"  # a title is present: missed failure
    assert "zzzzzz" not in rows
    assert "consistent 2" in capsys.readouterr().out


def test_act_benchmark_needs_testcases_json(tmp_path: Path) -> None:
    assert load_benchmark().main([str(tmp_path)]) == 2
