"""Keep credentials out of what dcaudit shows: settings keys and URL user-info (in reports,
and in errors naming a proxy)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

# A settings key containing any of these never reaches an output, at any depth.
SECRET_KEY_PARTS = ("cookie", "auth", "password", "token", "secret")


def redact_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``settings`` without secret-looking keys (nested dicts included)."""
    return {
        key: _redact_value(value)
        for key, value in settings.items()
        if not any(part in str(key).lower() for part in SECRET_KEY_PARTS)
    }


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return redact_settings(value)
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    if isinstance(value, str) and "@" in value and "://" in value:
        return strip_userinfo(value)
    return value


def strip_userinfo(url: str) -> str:
    """``https://user:pass@host/`` -> ``https://host/``; anything else unchanged, except an
    unparsable URL with an ``@``, which cannot be trusted to show: it is withheld."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "(unparsable URL)" if "@" in url else url
    if "@" not in parts.netloc or host is None:
        return url
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit(parts._replace(netloc=netloc))
