"""Exceptions raised by dcaudit.

The tree::

    DcauditError                  anything dcaudit raises on purpose
    ├── ConfigError               bad settings, config file or CLI value   (exit 2)
    ├── RulePackError             a malformed rule file: names file, rule and problem (exit 2)
    ├── SeedError                 a seed URL that is invalid or cannot be reached (exit 3)
    ├── FetchError                one request failed; keeps the URL (recorded, never fatal)
    ├── BrowserUnavailable        no Chromium/ChromeDriver, or the WebDriver cannot start
    ├── CheckError                one check failed on one page (recorded as an error finding)
    └── StoreError                the SQLite store cannot be opened or is from a newer dcaudit
        └── UnknownRun            a run id the store does not hold (a usage mistake: exit 2)

The CLI maps these to exit codes; nothing else prints.
"""

from __future__ import annotations


class DcauditError(Exception):
    """Base of every error dcaudit raises on purpose."""

    exit_code = 3


class ConfigError(DcauditError):
    exit_code = 2


class RulePackError(DcauditError):
    exit_code = 2

    def __init__(self, path: str, problem: str, rule_id: str | None = None) -> None:
        where = f"{path} (rule {rule_id})" if rule_id else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.rule_id = rule_id
        self.problem = problem


class SeedError(DcauditError):
    exit_code = 3


class FetchError(DcauditError):
    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url


class BrowserUnavailable(DcauditError):
    pass


class CheckError(DcauditError):
    pass


class StoreError(DcauditError):
    pass


class UnknownRun(StoreError):
    """The user named a run the store does not hold (or asked for the latest of none)."""

    exit_code = 2
