"""Helpers for rule pack tests: write small packs into a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

PackWriter = Callable[..., Path]

PACK_YAML = """name: {name}
version: 1.0.0
description: A test pack
kind: {kind}
{extra}"""

GOOD_RULE = """id: {rule_id}
slug: test-rule
title: A test rule
since: 0.1.0
status: stable
kind: classify
applies_to: [link]
match:
  phrase: [have your say]
result:
  signal: collective
weight: 0.8
message: A test rule.
help: |
  What it checks: a phrase. Why it matters: tests. Example: none. References: none.
"""


@pytest.fixture
def write_pack(tmp_path: Path) -> PackWriter:
    """``write_pack(files, name=..., kind=..., extra=...)`` -> the pack folder."""

    def write(
        files: dict[str, str], name: str = "test-pack", kind: str = "classify", extra: str = ""
    ) -> Path:
        folder = tmp_path / name
        (folder / "tests").mkdir(parents=True, exist_ok=True)
        (folder / "pack.yaml").write_text(
            PACK_YAML.format(name=name, kind=kind, extra=extra), encoding="utf-8"
        )
        for file_name, text in files.items():
            (folder / file_name).write_text(text, encoding="utf-8")
        return folder

    return write
