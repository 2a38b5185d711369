"""A labelled corpus of saved real pages: the manifests that describe the pages, and the
project's own labels for them (labels/real/*.yaml, written by docs/labelling.md).

The pages themselves live outside the repository; commands and benchmarks take their folder
as an argument. Labels name a page by its path in that folder and its sha256, so a label
never silently applies to a different copy of a page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dcaudit.errors import ConfigError
from dcaudit.models import MODE_OF_CLASS, InteractionClass, Mode
from dcaudit.parse.document import decode_body

LABELS_DIR = Path(__file__).resolve().parent.parent.parent / "labels" / "real"
LABELLED_KINDS = ("forms", "documents", "contacts", "embeds")


@dataclass(frozen=True)
class CorpusPage:
    page: str  # path from the corpus folder, e.g. "a/<source>/<file>.html"
    root: Path
    source: str  # the group held out together: "a/<source>"
    url: str | None
    country: str
    language: str
    body: str
    sha256: str

    def raw(self) -> bytes:
        return (self.root / self.page).read_bytes()

    def html(self) -> str:
        return decode_body(self.raw(), None)[0]


def page_url(page: CorpusPage) -> str:
    """The page's original address, or a stand-in on a reserved domain when none was kept."""
    if page.url and page.url.startswith(("http://", "https://")):
        return page.url
    return f"https://{page.source.replace('/', '-').replace('_', '-').lower()}.invalid/{page.page}"


def load_corpus(root: Path) -> list[CorpusPage]:
    """Every page listed in ``root``'s manifest-*.yaml files, in manifest order."""
    manifests = sorted(root.glob("manifest-*.yaml"))
    if not manifests:
        raise ConfigError(f"{root}: no manifest-*.yaml found (is this a corpus folder?)")
    pages = []
    for manifest in manifests:
        try:
            entries = yaml.safe_load(manifest.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise ConfigError(f"{manifest}: not valid YAML: {exc}") from exc
        for entry in entries:
            path = str(entry["page"])
            pages.append(
                CorpusPage(
                    page=path,
                    root=root,
                    source="/".join(path.split("/")[:2]),
                    url=entry.get("url"),
                    country=str(entry.get("country") or ""),
                    language=str(entry.get("language") or ""),
                    body=str(entry.get("body") or ""),
                    sha256=str(entry.get("sha256") or ""),
                )
            )
    return pages


@dataclass(frozen=True)
class Label:
    cls: InteractionClass
    runner_up: InteractionClass | None = None  # set only for a genuinely ambiguous call
    four_cos: tuple[str, ...] = ()
    closes_loop: bool = False
    reason: str = ""

    def accepts(self, predicted: InteractionClass) -> bool:
        return predicted == self.cls or predicted == self.runner_up


@dataclass
class PageLabels:
    page: str
    forms: dict[int, Label] = field(default_factory=dict)
    documents: dict[str, Label] = field(default_factory=dict)
    contacts: dict[str, Label] = field(default_factory=dict)
    embeds: dict[str, Label] = field(default_factory=dict)

    def two_way(self) -> bool:
        return any(
            MODE_OF_CLASS[label.cls] == Mode.TWO_WAY
            for label in (*self.forms.values(), *self.embeds.values())
        )


def contact_key(href: str) -> str:
    return href.strip().lower()


def _label(raw: Mapping[str, Any], where: str) -> Label:
    try:
        cls = InteractionClass(raw["class"])
        runner = raw.get("runner_up")
        return Label(
            cls=cls,
            runner_up=InteractionClass(runner) if runner else None,
            four_cos=tuple(raw.get("four_cos") or ()),
            closes_loop=bool(raw.get("closes_loop", False)),
            reason=str(raw.get("reason") or ""),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: bad label {dict(raw)!r}: {exc}") from exc


def load_labels(folder: Path = LABELS_DIR) -> dict[str, PageLabels]:
    """Page path -> its labels, from every YAML file in ``folder``."""
    labels: dict[str, PageLabels] = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("pages") or []:
            where = f"{path.name}: {entry.get('page')}"
            page = PageLabels(page=str(entry["page"]))
            for item in entry.get("forms") or []:
                page.forms[int(item["index"])] = _label(item, where)
            for item in entry.get("documents") or []:
                page.documents[str(item["href"]).strip()] = _label(item, where)
            for item in entry.get("contacts") or []:
                page.contacts[contact_key(str(item["href"]))] = _label(item, where)
            for item in entry.get("embeds") or []:
                page.embeds[str(item["src"]).strip()] = _label(item, where)
            labels[page.page] = page
    return labels


def verify(page: CorpusPage) -> bool:
    """Whether the saved page is the one the manifest describes."""
    return not page.sha256 or hashlib.sha256(page.raw()).hexdigest() == page.sha256


def iter_labelled(
    pages: list[CorpusPage], labels: Mapping[str, PageLabels]
) -> Iterator[tuple[CorpusPage, PageLabels]]:
    for page in pages:
        found = labels.get(page.page)
        yield page, found if found is not None else PageLabels(page=page.page)
