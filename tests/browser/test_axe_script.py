"""Finding and vetting axe.min.js, without a browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcaudit.browser.axe_script import find_axe_path, load_axe
from dcaudit.config import Settings
from dcaudit.errors import BrowserUnavailable

BANNER = "/*! axe v{version}\n * Copyright (c) 2015 Deque Systems, Inc.\n */\nwindow.axe = {{}};\n"


def write_axe(folder: Path, version: str) -> Path:
    script = folder / "axe.min.js"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(BANNER.format(version=version))
    return script


def test_find_axe_path_prefers_the_setting_then_the_environment(tmp_path: Path) -> None:
    configured = write_axe(tmp_path / "configured", "4.14.1")
    from_env = write_axe(tmp_path / "env", "4.14.1")
    env = {"DCAUDIT_AXE_PATH": str(from_env)}

    assert find_axe_path(Settings(axe_path=str(configured)), environ=env) == configured
    assert find_axe_path(Settings(), environ=env) == from_env


def test_find_axe_path_searches_node_modules_in_parent_folders(tmp_path: Path) -> None:
    found = write_axe(tmp_path / "project" / "node_modules" / "axe-core", "4.14.1")
    deep = tmp_path / "project" / "docs" / "site"
    deep.mkdir(parents=True)

    assert find_axe_path(Settings(), cwd=deep, environ={}) == found


def test_find_axe_path_names_the_install_command_when_missing(tmp_path: Path) -> None:
    with pytest.raises(BrowserUnavailable, match="npm install axe-core"):
        find_axe_path(Settings(axe_path=str(tmp_path / "nowhere.js")), environ={})


def test_load_axe_reads_the_version_from_the_banner(tmp_path: Path) -> None:
    script = write_axe(tmp_path / "node_modules" / "axe-core", "4.14.1")

    axe = load_axe(Settings(axe_path=str(script)), environ={})

    assert axe.version == "4.14.1" and axe.source.startswith("/*! axe v4.14.1")


def test_load_axe_refuses_an_old_axe(tmp_path: Path) -> None:
    script = write_axe(tmp_path / "old", "3.5.6")

    with pytest.raises(BrowserUnavailable, match=r"not axe-core 4\.x"):
        load_axe(Settings(axe_path=str(script)), environ={})


def test_load_axe_refuses_the_copy_inside_axe_selenium_python(tmp_path: Path) -> None:
    script = write_axe(tmp_path / "axe_selenium_python" / "src", "4.14.1")

    with pytest.raises(BrowserUnavailable, match="axe-selenium-python"):
        load_axe(Settings(axe_path=str(script)), environ={})
