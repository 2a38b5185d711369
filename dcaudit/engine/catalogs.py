"""Platform and document-type catalogues compiled from the ``platforms`` and ``documents`` packs.

Extraction uses them to recognise embeds, chat widgets, third-party service links and
document links; the ``platform`` and ``document`` matchers use them to classify.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from dcaudit.engine.packs import RulePack
from dcaudit.errors import RulePackError
from dcaudit.models import Kind


@dataclass(frozen=True)
class Platform:
    name: str
    category: str
    hosts: tuple[str, ...] = ()
    path: re.Pattern[str] | None = None  # when set, the URL path must match as well
    any_host: bool = False  # self-hosted software recognised by its URL paths alone
    scripts: bool = False  # an any_host path distinctive enough to recognise scripts too


@dataclass(frozen=True)
class PlatformCatalog:
    platforms: tuple[Platform, ...] = ()
    embed_kinds: Mapping[str, Kind] = field(default_factory=dict)  # category -> kind for embeds
    link_only: frozenset[str] = frozenset()  # categories whose embeds are not interactions
    _by_host: dict[str, list[Platform]] = field(default_factory=dict, repr=False)
    _any_host: tuple[Platform, ...] = ()

    @classmethod
    def build(
        cls,
        platforms: Iterable[Platform],
        embed_kinds: Mapping[str, Kind],
        link_only: Iterable[str] = (),
    ) -> PlatformCatalog:
        listed = tuple(platforms)
        by_host: dict[str, list[Platform]] = {}
        for platform in listed:
            for host in platform.hosts:
                by_host.setdefault(host, []).append(platform)
        return cls(
            platforms=listed,
            embed_kinds=dict(embed_kinds),
            link_only=frozenset(link_only),
            _by_host=by_host,
            _any_host=tuple(p for p in listed if p.any_host),
        )

    def lookup(self, url: str, *, allow_path_only: bool = True) -> Platform | None:
        """The platform serving ``url``, matched by host (and path where the entry has one)."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            return None
        path = parts.path or "/"
        labels = host.split(".")
        for i in range(len(labels) - 1):
            for platform in self._by_host.get(".".join(labels[i:]), ()):
                if platform.path is None or platform.path.search(path):
                    return platform
        for platform in self._any_host:
            usable = allow_path_only or platform.scripts
            if usable and platform.path is not None and platform.path.search(path):
                return platform
        return None

    def embed_kind(self, platform: Platform) -> Kind:
        return self.embed_kinds.get(platform.category, Kind.EMBED)


@dataclass(frozen=True)
class DocumentType:
    name: str
    extensions: tuple[str, ...]
    mime_types: tuple[str, ...]
    editable: bool  # a word-processor format a citizen can fill in
    data: bool  # a spreadsheet or data file
    text_hint: re.Pattern[str] | None = None  # e.g. "(PDF, 2MB)" in the link text


@dataclass(frozen=True)
class DocumentTypes:
    types: tuple[DocumentType, ...] = ()
    _by_extension: dict[str, DocumentType] = field(default_factory=dict, repr=False)
    _by_mime: dict[str, DocumentType] = field(default_factory=dict, repr=False)
    _hints: re.Pattern[str] | None = field(default=None, repr=False)  # one pass for all hints

    @classmethod
    def build(cls, types: Iterable[DocumentType]) -> DocumentTypes:
        listed = tuple(types)
        by_extension: dict[str, DocumentType] = {}
        by_mime: dict[str, DocumentType] = {}
        hints = []
        for number, doc_type in enumerate(listed):
            for extension in doc_type.extensions:
                by_extension.setdefault(extension, doc_type)
            for mime in doc_type.mime_types:
                by_mime.setdefault(mime, doc_type)
            if doc_type.text_hint is not None:
                hints.append(f"(?P<t{number}>{doc_type.text_hint.pattern})")
        combined = re.compile("|".join(hints), re.IGNORECASE) if hints else None
        return cls(listed, by_extension, by_mime, combined)

    def by_name(self, name: str) -> DocumentType | None:
        return next((t for t in self.types if t.name == name), None)

    def lookup(
        self, href: str, type_hint: str | None = None, text: str = ""
    ) -> DocumentType | None:
        """The document type of a link, from its path extension (or one in the query, where a
        handler serves the file: ``DocDisplay.aspx?Doc=form.pdf``), ``type`` attribute or text."""
        path, _, query = href.split("#", 1)[0].partition("?")
        dot = path.rfind(".")
        if dot > path.rfind("/"):
            found = self._by_extension.get(path[dot + 1 :].lower())
            if found is not None:
                return found
        for value in _QUERY_VALUE.findall(query):
            dot = value.rfind(".")
            found = self._by_extension.get(value[dot + 1 :].lower()) if dot > 0 else None
            if found is not None:
                return found
        if type_hint:
            found = self._by_mime.get(type_hint.split(";")[0].strip().lower())
            if found is not None:
                return found
        if text and self._hints is not None:
            match = self._hints.search(text)
            if match is not None:
                name = next(k for k, v in match.groupdict().items() if v is not None)
                return self.types[int(name[1:])]
        return None


_QUERY_VALUE = re.compile(r"=([^&=]+)")


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RulePackError(where, f"'{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _regex(pattern: str | None, where: str, what: str) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RulePackError(where, f"{what}: not a valid regular expression: {exc}") from exc


def _data_file(pack: RulePack, name: str) -> tuple[dict[str, Any], str]:
    where = f"{pack.path}/{name}"
    data = pack.data.get(name)
    if not isinstance(data, dict):
        raise RulePackError(
            where, f"pack '{pack.name}' must list '{name}' under 'data' as a mapping"
        )
    return data, where


def load_platforms(packs: Iterable[RulePack]) -> PlatformCatalog:
    platforms: list[Platform] = []
    embed_kinds: dict[str, Kind] = {}
    link_only: set[str] = set()
    for pack in packs:
        if pack.kind != "platforms":
            continue
        data, where = _data_file(pack, "platforms.yaml")
        categories = data.get("categories")
        if not isinstance(categories, dict) or not categories:
            raise RulePackError(where, "'categories' must map each category to its settings")
        for category, settings in categories.items():
            settings = settings or {}
            if not isinstance(settings, dict):
                raise RulePackError(where, f"category '{category}': settings must be a mapping")
            if settings.get("embed", True) is False:
                link_only.add(str(category))
            kind = settings.get("embed_kind", "embed")
            try:
                embed_kinds[str(category)] = Kind(kind)
            except ValueError as exc:
                raise RulePackError(where, f"category '{category}': unknown kind '{kind}'") from exc
        entries = data.get("platforms")
        if not isinstance(entries, list) or not entries:
            raise RulePackError(where, "'platforms' must be a non-empty list")
        for number, entry in enumerate(entries, start=1):
            at = f"{where} (platform #{number})"
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise RulePackError(at, "each platform needs a 'name'")
            category = entry.get("category")
            if category not in categories:
                raise RulePackError(at, f"'{entry['name']}': category '{category}' is not declared")
            hosts = tuple(h.lower().lstrip(".") for h in _strings(entry.get("hosts"), at, "hosts"))
            path = _regex(entry.get("path"), at, f"'{entry['name']}' path")
            any_host = bool(entry.get("any_host", False))
            if not hosts and not (any_host and path is not None):
                raise RulePackError(
                    at, f"'{entry['name']}' needs 'hosts', or 'any_host' with 'path'"
                )
            scripts = bool(entry.get("scripts", False))
            platforms.append(Platform(entry["name"], str(category), hosts, path, any_host, scripts))
    return PlatformCatalog.build(platforms, embed_kinds, link_only)


def load_document_types(packs: Iterable[RulePack]) -> DocumentTypes:
    types: list[DocumentType] = []
    for pack in packs:
        if pack.kind != "documents":
            continue
        data, where = _data_file(pack, "documents.yaml")
        entries = data.get("types")
        if not isinstance(entries, list) or not entries:
            raise RulePackError(where, "'types' must be a non-empty list")
        for number, entry in enumerate(entries, start=1):
            at = f"{where} (type #{number})"
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise RulePackError(at, "each document type needs a 'name'")
            extensions = tuple(
                e.lower().lstrip(".") for e in _strings(entry.get("extensions"), at, "extensions")
            )
            if not extensions:
                raise RulePackError(at, f"'{entry['name']}' needs 'extensions'")
            types.append(
                DocumentType(
                    name=entry["name"],
                    extensions=extensions,
                    mime_types=tuple(m.lower() for m in _strings(entry.get("mime"), at, "mime")),
                    editable=bool(entry.get("editable", False)),
                    data=bool(entry.get("data", False)),
                    text_hint=_regex(entry.get("text_hint"), at, f"'{entry['name']}' text_hint"),
                )
            )
    return DocumentTypes.build(types)
