"""Browser start-up settings and discovery, without starting a browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcaudit.browser.pool import worker_count
from dcaudit.browser.records import BrowserTarget
from dcaudit.browser.run import browser_available
from dcaudit.browser.session import (
    DEAD_PROXY,
    bypass_rules,
    chrome_options,
    find_binaries,
    reaches_directly,
)
from dcaudit.config import Settings
from dcaudit.errors import BrowserUnavailable


def test_bypass_rules_cover_the_audited_hosts_and_their_subdomains() -> None:
    rules = bypass_rules(["www.council.example", "consult.council.example"]).split(";")

    assert "www.council.example" in rules and "*.www.council.example" in rules
    assert "council.example" in rules and "*.council.example" in rules  # from the www. host
    assert "consult.council.example" in rules
    assert "*.example" not in rules


def test_chrome_options_send_outside_hosts_to_a_refusing_proxy(tmp_path: Path) -> None:
    options = chrome_options(
        frozenset({"www.council.example"}), binary="chromium", user_data_dir=tmp_path
    )

    assert f"--proxy-server={DEAD_PROXY}" in options.arguments
    bypass = [a for a in options.arguments if a.startswith("--proxy-bypass-list=")]
    assert bypass and "<-loopback>" not in bypass[0]  # loopback must stay direct
    assert f"--user-data-dir={tmp_path}" in options.arguments
    assert "--headless=new" in options.arguments
    capabilities = options.to_capabilities()
    assert capabilities["unhandledPromptBehavior"] == "dismiss"
    assert capabilities["pageLoadStrategy"] == "normal"
    assert options.experimental_options["prefs"]["session.restore_on_startup"] == 4


def test_find_binaries_explains_a_missing_browser(tmp_path: Path) -> None:
    settings = Settings(chromium_path=str(tmp_path / "no-chromium"))

    with pytest.raises(BrowserUnavailable, match="chromium_path"):
        find_binaries(settings)
    assert "Chromium not found" in (browser_available(settings) or "")


def test_browser_available_reports_missing_axe(tmp_path: Path) -> None:
    reason = browser_available(Settings(axe_path=str(tmp_path / "axe.min.js")))

    assert reason is not None and "npm install axe-core" in reason


def test_worker_count_defaults_to_two_at_most_and_never_exceeds_the_pages() -> None:
    assert 1 <= worker_count(Settings(), iter(())) <= 2
    assert worker_count(Settings(browser_workers=4), [BrowserTarget("http://a.example/")]) == 1
    assert worker_count(Settings(browser_workers=3), iter(())) == 3


def test_reaches_directly_loopback_and_the_allowed_hosts() -> None:
    allowed = frozenset({"www.council.example"})

    assert reaches_directly("http://127.0.0.1:8080/", allowed)
    assert reaches_directly("http://localhost:8080/", allowed)
    assert reaches_directly("https://www.council.example/apply", allowed)
    assert not reaches_directly("https://other.example/", allowed)
