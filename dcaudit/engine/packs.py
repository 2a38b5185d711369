"""Rule packs: discovery, loading and the checks every rule must pass, whatever its kind.

A pack is a folder ``rules/<pack>/`` holding ``pack.yaml`` (name, version, description,
kind, optional language and data files), one ``<ID>.yaml`` per rule, and examples in
``tests/<ID>.html``. Kind-specific fields (matchers, impact, weights) are validated by the
module that uses that kind; this module checks what all rules share, so a malformed file
fails at load naming the file, the rule and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, cast

import lxml.html
import yaml
from lxml import etree

from dcaudit.errors import RulePackError

PACK_KINDS = ("classify", "platforms", "documents", "a11y", "exclusion", "security", "scoring")
RULE_STATUSES = ("preview", "stable", "deprecated")
_RULE_ID = re.compile(r"^[A-Z]{3}\d{3}$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_EXAMPLE_MARK = re.compile(r"^\s*(expect|ok)\s*:\s*([A-Z]{3}\d{3})\s*$")
_REQUIRED_RULE_TEXT = ("id", "title", "since", "status")
# libyaml's safe loader where PyYAML has it: the same data as yaml.safe_load, read in a
# seventh of the time (the packs are read at every start of dcaudit)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Rule:
    """One rule: the common metadata plus its raw YAML for the kind-specific loader."""

    id: str
    title: str
    since: str
    status: str
    help: str
    pack: str
    path: str
    raw: dict[str, Any] = field(repr=False, compare=False)
    replaced_by: str | None = None

    @property
    def example_file(self) -> str:
        return str(Path(self.path).parent / "tests" / f"{self.id}.html")


@dataclass(frozen=True)
class RulePack:
    name: str
    version: str
    description: str
    kind: str
    path: str
    language: str | None = None
    rules: tuple[Rule, ...] = ()
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Example:
    """An element in a rule's example file, marked as one the rule must or must not match."""

    rule_id: str
    expect: bool
    element: lxml.html.HtmlElement
    line: int


def builtin_rules_dir() -> Traversable:
    return files("dcaudit.rules")


def _read_yaml(path: Traversable | Path, rule_id: str | None = None) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise RulePackError(str(path), f"not valid YAML: {exc}", rule_id) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(str(path), f"cannot read: {exc}", rule_id) from exc


def _require_text(data: dict[str, Any], key: str, path: str, rule_id: str | None) -> str:
    value = data.get(key)
    if isinstance(value, int | float) and key in {"since", "version"}:
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise RulePackError(path, f"'{key}' is required and must be non-empty text", rule_id)
    return value.strip()


def load_pack(folder: Traversable | Path) -> RulePack:
    """Load one pack folder; raise RulePackError on the first problem found."""
    pack_file = folder / "pack.yaml"
    if not pack_file.is_file():
        raise RulePackError(str(folder), "no pack.yaml in this rule pack folder")
    meta = _read_yaml(pack_file)
    if not isinstance(meta, dict):
        raise RulePackError(str(pack_file), "pack.yaml must be a mapping")
    name = _require_text(meta, "name", str(pack_file), None)
    version = _require_text(meta, "version", str(pack_file), None)
    if not _SEMVER.match(version):
        raise RulePackError(str(pack_file), f"version '{version}' is not semver (1.2.3)")
    kind = _require_text(meta, "kind", str(pack_file), None)
    if kind not in PACK_KINDS:
        raise RulePackError(str(pack_file), f"kind '{kind}' is not one of {', '.join(PACK_KINDS)}")
    language = meta.get("language")
    if language is not None and not (isinstance(language, str) and language.strip()):
        raise RulePackError(str(pack_file), "'language' must be a language tag such as en or cy")
    data_names = meta.get("data", []) or []
    if not isinstance(data_names, list) or not all(isinstance(n, str) for n in data_names):
        raise RulePackError(str(pack_file), "'data' must be a list of file names")
    data = {n: _read_yaml(folder / n) for n in data_names}
    rules = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if (
            entry.name.endswith(".yaml")
            and entry.name != "pack.yaml"
            and entry.name not in data_names
        ):
            rules.append(_load_rule(entry, name))
    return RulePack(
        name=name,
        version=version,
        description=_require_text(meta, "description", str(pack_file), None),
        kind=kind,
        path=str(folder),
        language=language,
        rules=tuple(rules),
        data=data,
    )


def _load_rule(path: Traversable, pack_name: str) -> Rule:
    stem = path.name.removesuffix(".yaml")
    raw = _read_yaml(path, stem)
    if not isinstance(raw, dict):
        raise RulePackError(str(path), "a rule file must be a mapping", stem)
    for key in _REQUIRED_RULE_TEXT:
        _require_text(raw, key, str(path), stem)
    rule_id = str(raw["id"])
    if rule_id != stem:
        raise RulePackError(str(path), f"id '{rule_id}' must match the file name '{stem}'", stem)
    if not _RULE_ID.match(rule_id):
        raise RulePackError(str(path), "id must look like DCC012 (three capitals, three digits)")
    status = str(raw["status"])
    if status not in RULE_STATUSES:
        raise RulePackError(str(path), f"status '{status}' is not one of {RULE_STATUSES}", rule_id)
    help_text = raw.get("help")
    if not isinstance(help_text, str) or len(help_text.strip()) < 20:
        raise RulePackError(
            str(path), "'help' must document what it checks, why, and references", rule_id
        )
    return Rule(
        id=rule_id,
        title=str(raw["title"]),
        since=str(raw["since"]),
        status=status,
        help=help_text.strip(),
        pack=pack_name,
        path=str(path),
        raw=raw,
        replaced_by=raw.get("replaced_by"),
    )


def load_packs(extra_dirs: Sequence[str | Path] = ()) -> list[RulePack]:
    """Built-in packs plus packs in ``extra_dirs`` (each a pack folder or a folder of packs).

    Rule ids must be unique across everything loaded.
    """
    folders: list[Traversable | Path] = [
        entry
        for entry in sorted(builtin_rules_dir().iterdir(), key=lambda e: e.name)
        if entry.is_dir() and (entry / "pack.yaml").is_file()
    ]
    for extra in extra_dirs:
        root = Path(extra)
        if not root.is_dir():
            raise RulePackError(str(root), "rule pack folder not found")
        if (root / "pack.yaml").is_file():
            folders.append(root)
        else:
            folders.extend(p for p in sorted(root.iterdir()) if (p / "pack.yaml").is_file())
    packs = [load_pack(folder) for folder in folders]
    _check_unique_ids(packs)
    return packs


def _check_unique_ids(packs: Iterable[RulePack]) -> None:
    seen: dict[str, str] = {}
    for pack in packs:
        for rule in pack.rules:
            if rule.id in seen:
                raise RulePackError(
                    rule.path, f"duplicate rule id, also in {seen[rule.id]}", rule.id
                )
            seen[rule.id] = rule.path


def parse_examples(html: str) -> list[Example]:
    """Elements preceded by ``<!-- expect: ID -->`` or ``<!-- ok: ID -->`` comments."""
    return find_examples(lxml.html.document_fromstring(html))


def find_examples(root: lxml.html.HtmlElement) -> list[Example]:
    """The marked examples in an already parsed tree (so runners share one parse)."""
    examples = []
    for comment in root.iter(etree.Comment):
        mark = _EXAMPLE_MARK.match(comment.text or "")
        if not mark:
            continue
        target = comment.getnext()
        while target is not None and not isinstance(target.tag, str):
            target = target.getnext()
        if target is None:
            continue
        examples.append(
            Example(
                rule_id=mark.group(2),
                expect=mark.group(1) == "expect",
                element=target,
                line=cast(int, comment.sourceline or 0),
            )
        )
    return examples


def pack_versions(packs: Iterable[RulePack]) -> dict[str, str]:
    """Pack name -> version, for the run record and the report's method section."""
    return {pack.name: pack.version for pack in packs}
