"""Credentials never reach a report."""

from __future__ import annotations

from dcaudit.redact import redact_settings, strip_userinfo


def test_redact_settings_drops_secret_keys_at_any_depth() -> None:
    settings = {
        "max_pages": 5,
        "Cookie": "a=b",
        "basic_auth": "u:p",
        "headers": {"Authorization": "Bearer x", "Accept": "text/html"},
        "proxy_password": "p",
        "api_token": "t",
        "client_secret": "s",
    }
    assert redact_settings(settings) == {"max_pages": 5, "headers": {"Accept": "text/html"}}


def test_redact_settings_strips_credentials_from_urls_in_values() -> None:
    redacted = redact_settings({"webdriver_url": "http://user:pw@grid.local:4444/wd/hub"})
    assert redacted == {"webdriver_url": "http://grid.local:4444/wd/hub"}


def test_strip_userinfo_leaves_plain_urls_alone() -> None:
    assert strip_userinfo("https://example.org/a@b") == "https://example.org/a@b"
    assert strip_userinfo("https://me:pw@example.org/") == "https://example.org/"
    assert strip_userinfo("not a url") == "not a url"
    assert strip_userinfo("http://me:pw@[broken") == "(unparsable URL)"
