"""Settings from config files, pyproject.toml and the environment, fuzzed: whatever is
written, dcaudit either takes it as a setting it can use or raises one ConfigError naming
where the value came from; never another exception."""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dcaudit.config import ALL_FORMATS, Settings, load_settings
from dcaudit.errors import ConfigError

from ..fuzzing import (
    FIELDS,
    HINTS,
    documents,
    fuzz_settings,
    nested,
    toml_document,
    toml_scalars,
    trap_text,
)


def check_usable(settings: Settings) -> None:
    """What load_settings returns is of the declared types and can be used as it is."""
    for name in FIELDS:
        value = getattr(settings, name)
        hint = HINTS[name]
        if hint is float:
            assert isinstance(value, float) and math.isfinite(value) and value >= 0, name
        elif hint is int:
            assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, name
        elif hint is bool or hint is str:
            assert isinstance(value, hint), name
        else:
            assert isinstance(value, tuple) and all(isinstance(v, str) for v in value), name
    for pattern in (*settings.include, *settings.exclude):
        re.compile(pattern)
    assert set(settings.formats) <= set(ALL_FORMATS)


def load_or_config_error(**kwargs: Any) -> Settings | ConfigError:
    try:
        settings = load_settings(**kwargs)
    except ConfigError as error:
        assert "\n" not in str(error), str(error)  # one line
        return error
    check_usable(settings)
    return settings


@fuzz_settings(150)
@given(table=documents())
@example(table={"include": ["("]})  # once a traceback from deep in the crawl
@example(table={"exclude": ["a{99999999999}"]})
@example(table={"delay": 1e308})  # as good as inf: nothing fetched, for ever
@example(table={"concurrency": 10**9})  # a billion tasks before the first request
@example(table={"backoff": 2**1100})
@example(table={"junit_impact": "bogus"})  # refused only after the crawl, once
@example(table={"two\nlines": 1})
def test_fuzzed_dcaudit_toml_is_a_setting_or_a_config_error(table: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dcaudit.toml"
        path.write_text(toml_document(table), encoding="utf-8")
        outcome = load_or_config_error(config_file=path, environ={})
    if isinstance(outcome, ConfigError):
        assert "dcaudit.toml" in str(outcome)


@fuzz_settings(60)
@given(content=st.binary(max_size=60), table=documents())
@example(content=b"\x80", table={})  # not UTF-8: once a UnicodeDecodeError
def test_fuzzed_bytes_in_a_config_file_are_a_config_error(
    content: bytes, table: dict[str, Any]
) -> None:
    """Cut, binary or badly encoded files: found in the folder or given with --config."""
    text = toml_document(table).encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        for name in ("dcaudit.toml", "pyproject.toml"):
            path = Path(folder) / name
            path.write_bytes(text[: len(content)] + content)
            load_or_config_error(config_file=path, environ={})
            load_or_config_error(environ={}, cwd=Path(folder))
            path.unlink()


@fuzz_settings(100)
@given(tool=nested(toml_scalars) | documents().map(lambda table: {"dcaudit": table}))
@example(tool=5)  # once a TypeError while looking for [tool.dcaudit]
@example(tool="dcaudit")
def test_fuzzed_pyproject_tool_table_is_a_setting_or_a_config_error(tool: Any) -> None:
    """pyproject.toml is found in the current folder: its ``tool`` may hold anything."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pyproject.toml").write_text(toml_document({"tool": tool}))
        load_or_config_error(environ={}, cwd=Path(folder))


@fuzz_settings(100)
@given(
    environ=st.dictionaries(
        st.sampled_from(FIELDS).map(lambda name: f"DCAUDIT_{name.upper()}"),
        trap_text.filter(lambda text: "\x00" not in text),
        max_size=4,
    )
)
def test_fuzzed_environment_is_a_setting_or_a_config_error(environ: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        outcome = load_or_config_error(environ=environ, cwd=Path(folder))
    if isinstance(outcome, ConfigError):
        assert "environment variable DCAUDIT_" in str(outcome)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('include = ["("]', "setting 'include': bad regular expression '('"),
        ('exclude = ["a{99999999999}"]', "setting 'exclude': bad regular expression"),
        ("delay = 1e308", "setting 'delay': must be at most 3600 seconds"),
        ("browser_page_timeout = 86400.0", "must be at most 3600 seconds"),
        ("concurrency = 1000000000", "setting 'concurrency': must be at most 100"),
        ("browser_workers = 1000", "setting 'browser_workers': must be at most 32"),
        ("retries = 2000", "setting 'retries': must be at most 20"),
        (f"backoff = {2**1100}", "setting 'backoff': int too large to convert to float"),
        ('junit_impact = "bogus"', "setting 'junit_impact': 'bogus' is not one of critical"),
        ('"two\\nlines" = 1', "unknown setting 'two\\nlines'"),
    ],
)
def test_values_that_would_stall_or_fail_a_run_later_are_refused_at_once(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "dcaudit.toml"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=path, environ={})
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("dcaudit.toml", b"max_pages = 1\n\xff", "not UTF-8 text (invalid start byte at byte 14)"),
        ("pyproject.toml", b"tool = 5\n", "[tool] must be a table"),
        ("pyproject.toml", b"[tool]\ndcaudit = 5\n", "[tool.dcaudit] must be a table"),
    ],
)
def test_unreadable_config_files_are_a_config_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(config_file=path, environ={})
    if content == b"tool = 5\n":  # found in the folder, with no [tool.dcaudit]: not ours
        assert load_settings(environ={}, cwd=tmp_path) == Settings()
