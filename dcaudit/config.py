"""Settings: defaults < pyproject ``[tool.dcaudit]`` or ``dcaudit.toml`` < environment < CLI.

Every setting is a field of :class:`Settings` with its default and a one-line doc.
Unknown keys and wrong types are a :class:`ConfigError` naming the key and where it came from.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dcaudit import __version__
from dcaudit.errors import ConfigError
from dcaudit.models import Impact

ENV_PREFIX = "DCAUDIT_"

DEFAULT_TRACKING_PARAMS = (
    "utm_*",
    "gclid",
    "dclid",
    "fbclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "yclid",
    "igshid",
)
DEFAULT_AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
DEFAULT_FORMATS = ("html", "json", "csv", "junit", "sarif", "md")
# GitLab's Code Quality and accessibility reports (named as its artifacts:reports keys):
# written only when asked for
ALL_FORMATS = (*DEFAULT_FORMATS, "codequality", "accessibility")


@dataclass(frozen=True)
class Settings:
    # crawl scope and limits
    user_agent: str = f"dcaudit/{__version__}"
    max_pages: int = 500  # HTML pages and documents fetched, in all
    max_depth: int = 10  # link hops from a seed
    include: tuple[str, ...] = ()  # regexes; when given, a URL must match one to be crawled
    exclude: tuple[str, ...] = ()  # regexes; a matching URL is never crawled
    extra_hosts: tuple[str, ...] = ()  # hosts crawled besides the seeds' hosts
    tracking_params: tuple[str, ...] = DEFAULT_TRACKING_PARAMS  # dropped from URLs; * globs
    trap_max_per_pattern: int = 50  # URLs kept per path pattern (crawler-trap guard)
    respect_robots: bool = True
    use_sitemaps: bool = True
    # politeness and HTTP
    concurrency: int = 2  # requests in flight per host
    delay: float = 0.25  # seconds between requests to one host (robots Crawl-delay wins if larger)
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # whole request including body
    max_body_bytes: int = 10_000_000  # bodies are not read past this; the page is marked too large
    retries: int = 3  # on connection errors, 429 and 503
    backoff: float = 0.5  # first retry wait in seconds, doubled each time
    retry_after_cap: float = 30.0  # longest Retry-After honoured
    max_redirects: int = 10
    # hosts may resolve to private, loopback and link-local addresses (an internal site);
    # hosts given as such an address (127.0.0.1, localhost) are allowed whatever this says
    allow_private_addresses: bool = False
    # browser pass
    browser: bool = True
    browser_workers: int = 0  # 0: one per core, at most 2
    browser_max_pages: int = 0  # 0: every HTML page (up to max_pages)
    sample_per_template: int = 0  # 0: no template sampling
    browser_page_timeout: float = 30.0
    chromium_path: str = ""  # "" finds chromium on PATH
    chromedriver_path: str = ""  # "" finds chromedriver on PATH
    webdriver_url: str = ""  # a remote WebDriver (Selenium Grid, chromedriver --port)
    axe_path: str = ""  # "" finds node_modules/axe-core/axe.min.js
    axe_tags: tuple[str, ...] = DEFAULT_AXE_TAGS
    # checks and rules
    rules_paths: tuple[str, ...] = ()  # extra rule pack folders
    required_languages: tuple[str, ...] = ()  # e.g. ("cy",) for a Welsh public body
    # outputs and gate
    out_dir: str = "reports"
    store: str = ""  # "" is <out_dir>/dcaudit.sqlite
    formats: tuple[str, ...] = DEFAULT_FORMATS
    fail_on: tuple[str, ...] = ()  # conditions such as "serious>0" or "two_way_share<0.2"
    baseline: str = ""  # a baseline file (dcaudit baseline save): marks new and fixed problems
    junit_impact: str = "serious"  # JUnit failure at or above this impact

    @property
    def store_path(self) -> Path:
        return Path(self.store) if self.store else Path(self.out_dir) / "dcaudit.sqlite"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_HINTS = typing.get_type_hints(Settings)


def field_doc() -> dict[str, str]:
    """Setting name -> its type name, for help output."""
    return {name: getattr(_HINTS[name], "__name__", str(_HINTS[name])) for name in _FIELDS}


def coerce(key: str, value: Any, origin: str) -> Any:
    """Check and convert one raw value for ``key``; ``origin`` names where it came from."""
    name = key.replace("-", "_")
    if name not in _FIELDS:
        raise ConfigError(f"{origin}: unknown setting {key!r}")
    hint = _HINTS[name]
    try:
        converted = _convert(hint, value)
        if name in _HEADER_SETTINGS:
            _check_header_text(converted)
        if name in _POSITIVE_SETTINGS and not converted > 0:
            raise ValueError("must be more than 0")
        most = _MOST_SECONDS if hint is float else _MOST.get(name)
        if most is not None and converted > most:
            raise ValueError(f"must be at most {most:g}" + (" seconds" if hint is float else ""))
        if name in _PATTERN_SETTINGS:
            for pattern in converted:
                _check_pattern(pattern)
        if name == "junit_impact" and converted.lower() not in {i.value for i in Impact}:
            raise ValueError(f"{converted!r} is not one of {', '.join(i.value for i in Impact)}")
        return converted
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(f"{origin}: setting '{key}': {exc}") from exc


_HEADER_SETTINGS = frozenset({"user_agent"})  # sent as HTTP header values
# a limit of 0 would fail every request, and 0 requests in flight fetch nothing (0 means
# "none" nowhere in dcaudit)
_POSITIVE_SETTINGS = frozenset(
    {
        "connect_timeout",
        "read_timeout",
        "total_timeout",
        "browser_page_timeout",
        "max_body_bytes",
        "concurrency",
    }
)
# every float setting is in seconds: past an hour a wait or a time limit only stalls the run
_MOST_SECONDS = 3600.0
# past these a run starts more tasks, browsers or doubling waits than any machine can hold
_MOST = {"concurrency": 100, "browser_workers": 32, "retries": 20}
_PATTERN_SETTINGS = frozenset({"include", "exclude"})  # regular expressions


def _check_pattern(pattern: str) -> None:
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc


def _check_header_text(value: str) -> None:
    if not (value.isascii() and value.isprintable()):
        raise ValueError(f"{value!r} is sent as an HTTP header: use printable ASCII only")


def _convert(hint: Any, value: Any) -> Any:
    if typing.get_origin(hint) is tuple:
        if isinstance(value, str):
            items: list[Any] = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, list | tuple):
            items = list(value)
        else:
            raise TypeError(f"expected a list, got {type(value).__name__}")
        if not all(isinstance(i, str) for i in items):
            raise TypeError("expected a list of strings")
        return tuple(items)
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {
            "1",
            "true",
            "yes",
            "on",
            "0",
            "false",
            "no",
            "off",
        }:
            return value.lower() in {"1", "true", "yes", "on"}
        raise TypeError(f"expected true or false, got {value!r}")
    if hint is int:
        # a float from TOML: 3.0 is 3, but 2.5, inf and nan are not whole numbers
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise TypeError("expected a whole number")
        number = int(value)
        if number < 0:
            raise ValueError("must not be negative")
        return number
    if hint is float:
        if isinstance(value, bool):
            raise TypeError("expected a number")
        number_f = float(value)
        if not math.isfinite(number_f):  # float() takes "inf" and "nan"; TOML has them too
            raise ValueError(f"must be a finite number, not {value!r}")
        if number_f < 0:
            raise ValueError("must not be negative")
        return number_f
    if hint is str:
        if not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__}")
        return value
    if isinstance(hint, types.UnionType):  # pragma: no cover - no such settings yet
        return value
    raise TypeError(f"unsupported setting type {hint}")


def read_config_file(path: Path) -> dict[str, Any]:
    """Read ``dcaudit.toml`` (top-level keys) or ``pyproject.toml`` (``[tool.dcaudit]``)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: [tool] must be a table")
        section = tool.get("dcaudit", {})
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [tool.dcaudit] must be a table")
        return section
    return data


def find_config_file(cwd: Path) -> Path | None:
    """``dcaudit.toml`` in ``cwd``, else a ``pyproject.toml`` there with ``[tool.dcaudit]``."""
    candidate = cwd / "dcaudit.toml"
    if candidate.is_file():
        return candidate
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        try:
            with pyproject.open("rb") as handle:
                tool = tomllib.load(handle).get("tool", {})
        except (OSError, ValueError):  # not TOML or not UTF-8: some other tool's problem
            return None
        if isinstance(tool, dict) and "dcaudit" in tool:
            return pyproject
    return None


# settings whose command-line flag is not named after them
_FLAGS = {
    "formats": "--format",
    "out_dir": "--out",
    "required_languages": "--required-language",
    "rules_paths": "--rules",
    "browser": "--no-browser",
}


def settings_layers(
    cli: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> dict[str, tuple[Any, str]]:
    """Every setting given anywhere (defaults left out), checked: name -> (value, origin),
    the later layer winning. ``cli`` holds only the flags the user gave."""
    values: dict[str, tuple[Any, str]] = {}
    path = config_file or find_config_file(cwd or Path.cwd())
    if path is not None:
        for key, raw in read_config_file(path).items():
            values[key.replace("-", "_")] = (coerce(key, raw, str(path)), str(path))
    env = os.environ if environ is None else environ
    for env_key, raw in env.items():
        if env_key.startswith(ENV_PREFIX) and env_key[len(ENV_PREFIX) :].lower() in _FIELDS:
            key = env_key[len(ENV_PREFIX) :].lower()
            origin = f"environment variable {env_key}"
            values[key] = (coerce(key, raw, origin), origin)
    for key, raw in (cli or {}).items():
        if raw is not None:
            origin = f"option {_FLAGS.get(key, '--' + key.replace('_', '-'))}"
            values[key.replace("-", "_")] = (coerce(key, raw, origin), origin)
    formats, where = values.get("formats", ((), ""))
    unknown = sorted(set(formats) - set(ALL_FORMATS))
    if unknown:  # a name that is empty, spaced or unprintable is quoted, so it shows
        names = (n if n.isprintable() and n.strip() == n != "" else repr(n) for n in unknown)
        raise ConfigError(
            f"{where}: unknown output format(s): {', '.join(names)}; "
            f"choose from {', '.join(ALL_FORMATS)}"
        )
    return values


def load_settings(
    cli: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Merge the layers. ``cli`` holds only the flags the user gave (None values are ignored)."""
    layers = settings_layers(cli, config_file, environ, cwd)
    return Settings(**{key: value for key, (value, _origin) in layers.items()})


__all__ = [
    "ALL_FORMATS",
    "Settings",
    "field",
    "load_settings",
    "read_config_file",
    "settings_layers",
]
