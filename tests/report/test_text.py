"""Untrusted page text: which URLs may become links, and what text is shown."""

from __future__ import annotations

import pytest

from dcaudit.report.text import is_http_url, plain, xml_safe


@pytest.mark.parametrize(
    "url",
    ["https://www.example.gov.uk/", "http://example.org/a?b=c#d", "HTTPS://EXAMPLE.ORG/"],
)
def test_is_http_url_accepts_web_addresses(url: str) -> None:
    assert is_http_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "//evil.example/",
        "http:/no-host",
        "https://example.org/a b",
        "https://example.org/\u202egnp.exe",
        "mailto:a@example.org",
        None,
        42,
    ],
)
def test_is_http_url_rejects_everything_else(url: object) -> None:
    assert not is_http_url(url)


def test_plain_removes_controls_and_bidi_overrides_and_joins_lines() -> None:
    assert plain("a\u202eb\x00c\x1bd\n\n  e\t f") == "abcd e f"
    assert plain(None) == ""


def test_plain_cuts_to_limit_with_ellipsis() -> None:
    assert plain("abcdefghij", 5) == "abcd…"
    assert plain("abc", 5) == "abc"


def test_xml_safe_keeps_newlines_and_drops_what_xml_cannot_hold() -> None:
    assert xml_safe("a\nb\x00\x0bc") == "a\nbc"
