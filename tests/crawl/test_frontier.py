"""URL normalisation, seeds, scope and the crawler-trap guard."""

from __future__ import annotations

import pytest

from dcaudit.config import DEFAULT_TRACKING_PARAMS, Settings
from dcaudit.crawl.frontier import (
    Scope,
    TrapGuard,
    host_of,
    normalise_url,
    origin_of,
    seed_problem,
    url_pattern,
)
from dcaudit.errors import ConfigError
from dcaudit.models import SkipReason

TRACKING = DEFAULT_TRACKING_PARAMS


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # fragments, scheme and host case, default ports
        ("http://example.gov.uk/a#top", "http://example.gov.uk/a"),
        ("HTTPS://Example.GOV.uk/Path/Case", "https://example.gov.uk/Path/Case"),
        ("http://example.gov.uk:80/", "http://example.gov.uk/"),
        ("https://example.gov.uk:443/x", "https://example.gov.uk/x"),
        ("https://example.gov.uk:8443/x", "https://example.gov.uk:8443/x"),
        ("http://example.gov.uk", "http://example.gov.uk/"),
        ("http://example.gov.uk./a", "http://example.gov.uk/a"),
        # international host names
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/stra%C3%9Fe"),
        ("https://caerdydd.cymru/", "https://caerdydd.cymru/"),
        # dot segments
        ("http://h/a/b/../c/./d", "http://h/a/c/d"),
        ("http://h/../../a", "http://h/a"),
        ("http://h/a/b/..", "http://h/a/"),
        ("http://h/a/%2E%2E/b", "http://h/b"),
        # percent-encoding: unreserved decoded, hex upper-cased, unsafe characters encoded
        ("http://h/%7euser/%41bc", "http://h/~user/Abc"),
        ("http://h/a%2fb", "http://h/a%2Fb"),
        ("http://h/a b", "http://h/a%20b"),
        ("http://h/café", "http://h/caf%C3%A9"),
        ("http://h/100%", "http://h/100%25"),
        # query: tracking parameters dropped, parameters sorted by name, values kept
        ("http://h/news?utm_source=x&b=2&a=1", "http://h/news?a=1&b=2"),
        ("http://h/p?gclid=1&UTM_Medium=e&fbclid=2", "http://h/p"),
        ("http://h/p?", "http://h/p"),
        ("http://h/p?b=2&a=1&a=0", "http://h/p?a=1&a=0&b=2"),
        ("http://h/p?q=a+b&flag", "http://h/p?flag&q=a+b"),
        ("http://h/p?x=%7e&&y=1", "http://h/p?x=~&y=1"),
        ("http://h/p?next=/a?b=c", "http://h/p?next=/a?b=c"),
        # user info is kept
        ("http://user:pw@H/", "http://user:pw@h/"),
        # IPv6 literal
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    ],
)
def test_normalise_url_canonical_form(raw: str, expected: str) -> None:
    assert normalise_url(raw, TRACKING) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "mailto:someone@example.gov.uk",
        "tel:+441632960000",
        "javascript:void(0)",
        "ftp://example.gov.uk/file",
        "http://",
        "http:///path",
        "http://exa mple.gov.uk/",
        "http://example.gov.uk:99999/",
        "/relative/only",
    ],
)
def test_normalise_url_refuses_non_crawlable(raw: str) -> None:
    assert normalise_url(raw, TRACKING) is None


def test_normalise_url_dedupes_equivalent_forms() -> None:
    forms = [
        "http://Example.gov.uk:80/news/./index?utm_campaign=z&b=2&a=1#latest",
        "http://example.gov.uk/news/index?a=1&b=2",
        "http://example.gov.uk/news/x/../index?b=2&a=%31",
    ]
    assert len({normalise_url(f, TRACKING) for f in forms}) == 1


def test_normalise_url_tracking_globs_come_from_the_caller() -> None:
    assert normalise_url("http://h/?utm_source=x&ref=y") == "http://h/?ref=y&utm_source=x"
    assert normalise_url("http://h/?utm_source=x&ref=y", ("ref",)) == "http://h/?utm_source=x"


@pytest.mark.parametrize(
    ("seed", "problem"),
    [
        ("example.gov.uk", "only http:// and https:// URLs can be crawled"),
        ("ftp://example.gov.uk/", "only http:// and https:// URLs can be crawled"),
        ("http://", "it has no host name"),
        ("http://example.gov.uk:port/", "not a valid URL"),
        ("http://bad host/", "the host name is not valid"),
    ],
)
def test_seed_problem_names_the_cause(seed: str, problem: str) -> None:
    found = seed_problem(seed)
    assert found is not None and found.startswith(problem)


def test_seed_problem_accepts_good_seed() -> None:
    assert seed_problem("https://www.example.gov.uk/") is None


def test_host_and_origin_of_normalised_url() -> None:
    assert host_of("http://u:p@example.gov.uk:8080/a?b") == "example.gov.uk:8080"
    assert host_of("https://example.gov.uk") == "example.gov.uk"
    assert origin_of("https://example.gov.uk:8443/a/b") == "https://example.gov.uk:8443"


def test_scope_from_settings_covers_seed_and_extra_hosts() -> None:
    settings = Settings(extra_hosts=("consult.example.gov.uk", "http://pay.example.gov.uk:8080"))
    scope = Scope.from_settings(settings, ["https://www.example.gov.uk/start"])
    assert scope.hosts == {
        "www.example.gov.uk",
        "consult.example.gov.uk",
        "pay.example.gov.uk:8080",
    }
    assert scope.contains("http://WWW.example.gov.uk/other#x")
    assert not scope.contains("https://example.gov.uk/")
    assert not scope.contains("mailto:x@www.example.gov.uk")


def test_scope_check_applies_include_and_exclude() -> None:
    scope = Scope(["h"], include=[r"/services/"], exclude=[r"\.php$", r"/services/old/"])
    assert scope.check("http://h/services/bins") is None
    assert scope.check("http://h/news/") is SkipReason.EXCLUDED
    assert scope.check("http://h/services/old/x") is SkipReason.EXCLUDED
    assert scope.check("http://h/services/a.php") is SkipReason.EXCLUDED
    assert scope.check("http://elsewhere/services/bins") is SkipReason.OUT_OF_SCOPE


def test_scope_bad_regex_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="setting 'exclude': bad regular expression '\\('"):
        Scope(["h"], exclude=["("])


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("http://h/events?month=2031-07", "/events?month=*"),
        ("http://h/calendar/2030/01/", "/calendar/*/*/"),
        ("http://h/news?page=3&sort=new", "/news?page=*&sort=*"),
        ("http://h/news/2024-budget-consultation", "/news/*-budget-consultation"),
        ("http://h/about", "/about"),
    ],
)
def test_url_pattern_abstracts_digits_and_query_values(url: str, pattern: str) -> None:
    assert url_pattern(url) == pattern


def test_trap_guard_bounds_urls_per_pattern_and_reports_cut() -> None:
    guard = TrapGuard(limit=3)
    months = [f"http://h/events?month=2031-{m:02d}" for m in range(1, 13)]
    admitted = [url for url in months if guard.admit(url)]
    assert admitted == months[:3]
    assert guard.admit("http://h/about")  # other patterns keep their own budget
    assert guard.cut_total == 9
    assert guard.notes() == [
        "trap guard: 9 URLs like /events?month=* not crawled (limit 3 per pattern)"
    ]


def test_trap_guard_counts_every_query_variant_of_a_path_together() -> None:
    guard = TrapGuard(limit=2)
    urls = ["http://h/list?a=1", "http://h/list?b=1", "http://h/list?a=1&b=1", "http://h/list"]
    assert [guard.admit(u) for u in urls] == [True, True, False, True]


def test_trap_guard_limit_zero_is_off() -> None:
    guard = TrapGuard(limit=0)
    assert all(guard.admit(f"http://h/calendar/{y}/01/") for y in range(2000, 2100))
    assert guard.notes() == []


def test_trap_guard_restore_carries_counts_across_sessions() -> None:
    guard = TrapGuard(limit=2)
    guard.restore(
        admitted=["http://h/calendar/2030/01/", "http://h/calendar/2030/02/"],
        cut=["http://h/calendar/2030/03/"],
    )
    assert not guard.admit("http://h/calendar/2030/04/")
    assert guard.notes() == [
        "trap guard: 2 URLs like /calendar/*/*/ not crawled (limit 2 per pattern)"
    ]


def test_trap_guard_forced_seed_uses_budget() -> None:
    guard = TrapGuard(limit=1)
    guard.force("http://h/page/1")
    assert not guard.admit("http://h/page/2")
