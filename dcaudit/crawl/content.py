"""What a URL holds, from its media type and extension (the lists are data in rules/crawl.yaml)."""

from __future__ import annotations

import enum
import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from dcaudit.errors import RulePackError

RULES_FILE = "crawl.yaml"


class ContentKind(enum.StrEnum):
    HTML = "html"  # parsed and followed
    DOCUMENT = "document"  # recorded from headers only
    OTHER = "other"  # skipped: no page


@dataclass(frozen=True)
class ContentRules:
    html_types: frozenset[str]
    document_types: Mapping[str, str]  # media type -> short name
    document_extensions: frozenset[str]
    generic_types: frozenset[str]
    skip_extensions: frozenset[str]

    def kind_of(self, media_type: str | None, url: str) -> ContentKind:
        """The kind of a response, from its media type; the extension decides generic types."""
        if media_type in self.html_types:
            return ContentKind.HTML
        if media_type in self.document_types:
            return ContentKind.DOCUMENT
        if media_type is None or media_type in self.generic_types:
            extension = url_extension(url)
            if extension in self.document_extensions:
                return ContentKind.DOCUMENT
            if extension in self.skip_extensions or media_type is not None:
                return ContentKind.OTHER
            return ContentKind.HTML  # no type and no telling extension: try it as HTML
        return ContentKind.OTHER

    def skipped_extension(self, url: str) -> str | None:
        """The extension of a link never worth requesting (an image, archive...), else None."""
        extension = url_extension(url)
        return extension if extension in self.skip_extensions else None


def url_extension(url: str) -> str | None:
    """Lower-case extension of the URL path's last segment, without the dot."""
    path = url.split("#", 1)[0].split("?", 1)[0]
    scheme_end = path.find("://")
    if scheme_end >= 0:
        slash = path.find("/", scheme_end + 3)
        path = path[slash:] if slash >= 0 else ""
    segment = path.rsplit("/", 1)[-1]
    if "." not in segment:
        return None
    extension = segment.rsplit(".", 1)[1].lower()
    return extension or None


def media_type(content_type: str | None) -> str | None:
    """``text/html; charset=utf-8`` -> ``text/html``; None when absent or empty."""
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


@cache
def load_content_rules() -> ContentRules:
    """Read and check rules/crawl.yaml (shipped as dcaudit.rules)."""
    resource = importlib.resources.files("dcaudit.rules").joinpath(RULES_FILE)
    try:
        data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulePackError(RULES_FILE, f"cannot read: {exc}") from exc
    return content_rules_from(data)


def content_rules_from(data: Any) -> ContentRules:
    if not isinstance(data, dict):
        raise RulePackError(RULES_FILE, "expected a mapping at the top level")
    documents = data.get("document_types")
    if not isinstance(documents, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in documents.items()
    ):
        raise RulePackError(RULES_FILE, "document_types must map media types to names")
    return ContentRules(
        html_types=_names(data, "html_types"),
        document_types={k.lower(): v for k, v in documents.items()},
        document_extensions=_names(data, "document_extensions"),
        generic_types=_names(data, "generic_types"),
        skip_extensions=_names(data, "skip_extensions"),
    )


def _names(data: dict[str, Any], key: str) -> frozenset[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulePackError(RULES_FILE, f"{key} must be a list of strings")
    return frozenset(v.lower() for v in value)
