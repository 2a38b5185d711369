"""Matching URLs against host patterns from rule data ("google.com/recaptcha", "hotjar.com").

A pattern is a host, optionally followed by a path prefix. It matches the host itself and
its subdomains, so "hotjar.com" covers "static.hotjar.com" but not "nothotjar.com".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class HostPattern:
    host: str
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> HostPattern:
        host, _, path = text.strip().lower().partition("/")
        return cls(host=host, path=f"/{path}" if path else "")

    def matches(self, host: str, path: str) -> bool:
        if host != self.host and not host.endswith("." + self.host):
            return False
        return not self.path or path.lower().startswith(self.path)


def host_and_path(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url.strip())
        return (parts.hostname or "").lower(), parts.path or "/"
    except ValueError:  # malformed URLs from untrusted pages: no host, no match
        return "", ""


def first_match(url: str, patterns: Iterable[HostPattern]) -> HostPattern | None:
    host, path = host_and_path(url)
    if not host:
        return None
    for pattern in patterns:
        if pattern.matches(host, path):
            return pattern
    return None


def site_of(host: str) -> str:
    """A rough registrable domain: the last two labels, three under common second levels
    (example.gov.uk). Good enough to tell "another organisation's host" apart."""
    labels = host.lower().strip(".").split(".")
    second_levels = {"co", "gov", "ac", "org", "nhs", "police", "sch", "ltd", "plc", "net", "com"}
    if len(labels) >= 3 and labels[-2] in second_levels and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
