"""Settings layers: defaults < config file < environment < CLI, and clear errors."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from dcaudit.config import Settings, load_settings
from dcaudit.errors import ConfigError


def test_load_settings_defaults_when_nothing_given(tmp_path: Path) -> None:
    settings = load_settings(environ={}, cwd=tmp_path)
    assert settings == Settings()
    assert settings.user_agent.startswith("dcaudit/")
    assert settings.concurrency == 2


def test_load_settings_layers_cli_over_env_over_file(tmp_path: Path) -> None:
    (tmp_path / "dcaudit.toml").write_text('max_pages = 10\ndelay = 1.5\nexclude = ["/admin"]\n')
    env = {"DCAUDIT_MAX_PAGES": "20", "DCAUDIT_DELAY": "0.5"}
    settings = load_settings({"max_pages": 30}, environ=env, cwd=tmp_path)
    assert settings.max_pages == 30
    assert settings.delay == 0.5
    assert settings.exclude == ("/admin",)


def test_load_settings_reads_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dcaudit]\nmax-depth = 3\nbrowser = false\n")
    settings = load_settings(environ={}, cwd=tmp_path)
    assert settings.max_depth == 3
    assert settings.browser is False


def test_load_settings_dcaudit_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dcaudit]\nmax_depth = 3\n")
    (tmp_path / "dcaudit.toml").write_text("max_depth = 4\n")
    assert load_settings(environ={}, cwd=tmp_path).max_depth == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("max_pages = [", "not valid TOML"),
        ("max_pagez = 3", "unknown setting 'max_pagez'"),
        ('max_pages = "many"', "setting 'max_pages'"),
        ("max_pages = -1", "must not be negative"),
        ("max_pages = inf", "expected a whole number"),
        ("max_pages = 2.5", "expected a whole number"),
        ("delay = inf", "setting 'delay': must be a finite number"),
        ("read_timeout = nan", "setting 'read_timeout': must be a finite number"),
        ("browser = 3", "expected true or false"),
        ('formats = ["html", "pdf"]', "unknown output format(s): pdf"),
    ],
)
def test_load_settings_bad_file_names_the_problem(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "dcaudit.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=path, environ={}, cwd=tmp_path)
    assert message in str(info.value)
    if "format" not in message:
        assert str(path) in str(info.value)


def test_load_settings_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DCAUDIT_CONCURRENCY"):
        load_settings(environ={"DCAUDIT_CONCURRENCY": "two"}, cwd=tmp_path)


def test_load_settings_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(config_file=tmp_path / "nope.toml", environ={}, cwd=tmp_path)


def test_settings_comma_lists_from_cli(tmp_path: Path) -> None:
    settings = load_settings({"formats": "json,md"}, environ={}, cwd=tmp_path)
    assert settings.formats == ("json", "md")
    assert settings.store_path == Path("reports") / "dcaudit.sqlite"


@pytest.mark.parametrize("agent", ["Cyngor Môn bot", "dcaudit\r\nX-Injected: 1", "tab\there"])
def test_load_settings_user_agent_must_be_fit_for_an_http_header(
    tmp_path: Path, agent: str
) -> None:
    with pytest.raises(ConfigError, match=r"option --user-agent.*printable ASCII"):
        load_settings(cli={"user_agent": agent}, cwd=tmp_path, environ={})


def test_load_settings_keeps_an_ascii_user_agent(tmp_path: Path) -> None:
    agent = "dcaudit/0.1 (+https://example.gov.uk/audit; digital@example.gov.uk)"
    assert load_settings(cli={"user_agent": agent}, cwd=tmp_path, environ={}).user_agent == agent


@pytest.mark.parametrize(
    "key",
    [
        "DCAUDIT_READ_TIMEOUT",
        "DCAUDIT_TOTAL_TIMEOUT",
        "DCAUDIT_MAX_BODY_BYTES",
        "DCAUDIT_CONCURRENCY",
    ],
)
def test_load_settings_limits_of_zero_are_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ConfigError, match=f"{key}.*must be more than 0"):
        load_settings(environ={key: "0"}, cwd=tmp_path)


FLOAT_SETTINGS = [name for name, hint in typing.get_type_hints(Settings).items() if hint is float]


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "Infinity", "1e999"])
@pytest.mark.parametrize("name", FLOAT_SETTINGS)
def test_load_settings_refuses_non_finite_numbers_from_the_environment(
    tmp_path: Path, name: str, value: str
) -> None:
    key = f"DCAUDIT_{name.upper()}"
    with pytest.raises(ConfigError, match=f"{key}.*must be a finite number"):
        load_settings(environ={key: value}, cwd=tmp_path)


def test_load_settings_refuses_non_finite_numbers_from_options(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"option --delay: setting 'delay'.*finite"):
        load_settings({"delay": float("inf")}, environ={}, cwd=tmp_path)


def test_load_settings_takes_a_whole_number_written_as_a_float(tmp_path: Path) -> None:
    (tmp_path / "dcaudit.toml").write_text("max_pages = 300.0\ndelay = 1\n")
    settings = load_settings(environ={}, cwd=tmp_path)
    assert (settings.max_pages, settings.delay) == (300, 1.0)
