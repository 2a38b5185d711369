"""Which URLs the crawl keeps: normalisation and dedupe, scope, and the crawler-trap guard."""

from __future__ import annotations

import fnmatch
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import quote, unquote_plus, urlsplit

import idna

from dcaudit.config import Settings
from dcaudit.errors import ConfigError
from dcaudit.models import SkipReason

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_CHARS = re.compile(r"[a-z0-9._-]+")
_DIGITS = re.compile(r"\d+")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# characters left as they are in each part (RFC 3986 pchar, minus the delimiters we split on)
_PATH_SAFE = "/!$&'()*+,;=:@%"
_KEY_SAFE = "!$'()*+,;:@/?%"
_VALUE_SAFE = _KEY_SAFE + "="


def normalise_url(url: str, tracking_params: Sequence[str] = ()) -> str | None:
    """The canonical form of an http(s) URL, or None when it is not a crawlable URL.

    Drops the fragment and default port, lower-cases scheme and host, encodes
    international host names with IDNA, removes tracking parameters (``*`` globs,
    case-insensitive), sorts query parameters by name, resolves dot segments and
    normalises percent-encoding. Path case is kept.
    """
    return _normalise(url, tuple(tracking_params))


@lru_cache(maxsize=16_384)  # nav links repeat on every page of a site
def _normalise(url: str, tracking_params: tuple[str, ...]) -> str | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    host = _normalise_host(parts.hostname)
    if host is None:
        return None
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_SAFE)) or "/"
    query = _normalise_query(parts.query, _tracking_pattern(tracking_params))
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def seed_problem(url: str) -> str | None:
    """Why a seed URL cannot be crawled, in a few words, or None when it can."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return "only http:// and https:// URLs can be crawled"
    if not parts.hostname:
        return "it has no host name"
    if _normalise_host(parts.hostname) is None:
        return "the host name is not valid"
    return None


def _normalise_host(hostname: str | None) -> str | None:
    if not hostname:
        return None
    host = hostname.rstrip(".").lower()
    if ":" in host:  # an IPv6 literal; urlsplit has removed the brackets
        return f"[{host}]"
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    return host if _HOST_CHARS.fullmatch(host) else None


def _normalise_escapes(part: str, safe: str) -> str:
    """Decode escaped unreserved characters, upper-case other escapes, escape the rest."""
    part = _LONE_PERCENT.sub("%25", part)
    part = _ESCAPE.sub(_escape_form, part)
    return quote(part, safe=safe)


def _escape_form(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on an absolute path."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    result = "/".join(output)
    return result if result.startswith("/") else "/" + result


def _normalise_query(query: str, tracking: re.Pattern[str] | None) -> str:
    if not query:
        return ""
    pairs: list[tuple[str, str]] = []
    for item in query.split("&"):
        if not item:
            continue
        key, equals, value = item.partition("=")
        if tracking is not None and tracking.fullmatch(unquote_plus(key)):
            continue
        key = _normalise_escapes(key, _KEY_SAFE)
        pairs.append((key, f"={_normalise_escapes(value, _VALUE_SAFE)}" if equals else ""))
    pairs.sort(key=lambda pair: pair[0])  # stable: repeated names keep their order
    return "&".join(key + value for key, value in pairs)


@lru_cache(maxsize=32)
def _tracking_pattern(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(fnmatch.translate(g) for g in globs), re.IGNORECASE)


def host_of(url: str) -> str:
    """``host[:port]`` of a normalised URL (no user info), cheaply."""
    start = url.find("://") + 3
    end = url.find("/", start)
    netloc = url[start:] if end < 0 else url[start:end]
    return netloc.rpartition("@")[2]


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a normalised URL."""
    return url[: url.find("://") + 3] + host_of(url)


class Scope:
    """The hosts a crawl stays on, with the include and exclude patterns."""

    def __init__(
        self, hosts: Iterable[str], include: Sequence[str] = (), exclude: Sequence[str] = ()
    ) -> None:
        self.hosts: set[str] = set(hosts)
        self._include = _compile_patterns(include, "include")
        self._exclude = _compile_patterns(exclude, "exclude")

    @classmethod
    def from_settings(cls, settings: Settings, seeds: Iterable[str]) -> Scope:
        """The seeds' hosts plus ``extra_hosts``, with the include and exclude patterns."""
        hosts = {scope_host(seed) for seed in seeds}
        hosts.update(scope_host(host) for host in settings.extra_hosts)
        return cls((h for h in hosts if h is not None), settings.include, settings.exclude)

    def in_scope(self, url: str) -> bool:
        """For a normalised URL: is its host one the crawl stays on?"""
        return host_of(url) in self.hosts

    def contains(self, url: str) -> bool:
        """For any absolute URL: would the crawl follow it to this host?"""
        normal = normalise_url(url)
        return normal is not None and host_of(normal) in self.hosts

    def excluded(self, url: str) -> bool:
        """True when an exclude pattern matches, or include patterns exist and none matches."""
        if any(p.search(url) for p in self._exclude):
            return True
        return bool(self._include) and not any(p.search(url) for p in self._include)

    def check(self, url: str) -> SkipReason | None:
        if not self.in_scope(url):
            return SkipReason.OUT_OF_SCOPE
        if self.excluded(url):
            return SkipReason.EXCLUDED
        return None


def scope_host(value: str) -> str | None:
    """A host as written in settings (``example.org``, ``example.org:8080`` or a URL)."""
    url = value if "://" in value else f"http://{value}"
    normal = normalise_url(url)
    return host_of(normal) if normal else None


def _compile_patterns(patterns: Sequence[str], setting: str) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ConfigError(
                f"setting '{setting}': bad regular expression {pattern!r}: {exc}"
            ) from exc
    return compiled


def url_pattern(url: str) -> str:
    """A URL's shape: digit runs in the path and every query value become ``*``.

    ``/events?month=2031-07`` -> ``/events?month=*``; ``/calendar/2030/01/`` -> ``/calendar/*/*/``.
    """
    parts = urlsplit(url)
    path = _DIGITS.sub("*", parts.path)
    if not parts.query:
        return path
    keys = sorted({item.partition("=")[0] for item in parts.query.split("&") if item})
    return path + "?" + "&".join(f"{key}=*" for key in keys)


def _guard_key(url: str) -> str:
    """URLs sharing a key share one budget: the host, the path shape, and whether a query is set.

    Every query variant of a path counts together, so facets and filters combined in
    many ways cannot multiply the budget.
    """
    parts = urlsplit(url)
    return host_of(url) + _DIGITS.sub("*", parts.path) + ("?" if parts.query else "")


class TrapGuard:
    """Admits at most ``limit`` URLs per path pattern and remembers what it cut."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._admitted: Counter[str] = Counter()
        self._cut: dict[str, Counter[str]] = {}

    def admit(self, url: str) -> bool:
        """Count ``url`` (a URL not seen before) and say whether it may be crawled."""
        key = _guard_key(url)
        if self.limit <= 0 or self._admitted[key] < self.limit:
            self._admitted[key] += 1
            return True
        self._cut.setdefault(key, Counter())[url_pattern(url)] += 1
        return False

    def restore(self, admitted: Iterable[str], cut: Iterable[str]) -> None:
        """Rebuild the counts of an earlier session from its frontier and trap skips."""
        for url in admitted:
            self._admitted[_guard_key(url)] += 1
        for url in cut:
            self._cut.setdefault(_guard_key(url), Counter())[url_pattern(url)] += 1

    def force(self, url: str) -> None:
        """Count a URL that is crawled whatever the guard says (a seed)."""
        self._admitted[_guard_key(url)] += 1

    @property
    def cut_total(self) -> int:
        return sum(sum(c.values()) for c in self._cut.values())

    def notes(self) -> list[str]:
        """One disclosure per cut pattern, largest first."""
        rows = []
        for shapes in self._cut.values():
            total = sum(shapes.values())
            example = shapes.most_common(1)[0][0]
            rows.append((total, example))
        rows.sort(key=lambda row: (-row[0], row[1]))
        return [
            f"trap guard: {total} URL{'s' if total != 1 else ''} like {example} not crawled "
            f"(limit {self.limit} per pattern)"
            for total, example in rows
        ]
