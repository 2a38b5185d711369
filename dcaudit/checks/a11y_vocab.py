"""The vocabularies of the static accessibility pack (rules/static-a11y/ data files):
language tags, autocomplete tokens and the words that mark personal-data fields."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_LANG_SYNTAX = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class LanguageTags:
    """Valid primary language subtags (BCP 47 via the IANA registry), from the pack's data."""

    two_letter: frozenset[str]
    replaced_three_letter: frozenset[str]  # ISO 639-2/3 codes BCP 47 replaces by 2 letters

    def is_valid(self, value: str) -> bool:
        tag = value.strip()
        if not _LANG_SYNTAX.match(tag):
            return False
        primary = tag.split("-", 1)[0].lower()
        if len(primary) == 2:
            return primary in self.two_letter
        return primary not in self.replaced_three_letter

    def primary(self, value: str | None) -> str | None:
        if not value or not self.is_valid(value):
            return None
        return value.strip().split("-", 1)[0].lower()


@dataclass(frozen=True)
class AutocompleteGrammar:
    """The HTML autofill detail tokens, from the pack's data."""

    fields: frozenset[str]
    contact_fields: frozenset[str]
    contact_types: frozenset[str]
    modes: frozenset[str]
    state_terms: frozenset[str]

    def is_valid(self, value: str) -> bool:
        tokens = value.lower().split()
        if not tokens:
            return True
        if len(tokens) == 1 and tokens[0] in {"on", "off"} | self.state_terms:
            return True
        if tokens[-1] == "webauthn":
            tokens = tokens[:-1]
        if not tokens:
            return False
        *prefix, field_name = tokens
        if field_name not in self.fields and field_name not in self.contact_fields:
            return False
        if prefix and prefix[0].startswith("section-") and len(prefix[0]) > 8:
            prefix = prefix[1:]
        if prefix and prefix[0] in self.modes:
            prefix = prefix[1:]
        if prefix and prefix[0] in self.contact_types:
            if field_name not in self.contact_fields:
                return False
            prefix = prefix[1:]
        return not prefix


@dataclass(frozen=True)
class PersonalPurpose:
    token: str
    pattern: re.Pattern[str]


def language_tags(data: Mapping[str, Any]) -> LanguageTags:
    return LanguageTags(
        two_letter=_word_set(data, "languages", "two_letter"),
        replaced_three_letter=_word_set(data, "languages", "replaced_three_letter"),
    )


def autocomplete_grammar(data: Mapping[str, Any]) -> AutocompleteGrammar:
    return AutocompleteGrammar(
        fields=_word_set(data, "autocomplete", "fields"),
        contact_fields=_word_set(data, "autocomplete", "contact_fields"),
        contact_types=_word_set(data, "autocomplete", "contact_types"),
        modes=_word_set(data, "autocomplete", "modes"),
        state_terms=_word_set(data, "autocomplete", "state_terms"),
    )


def personal_purposes(data: Mapping[str, Any]) -> tuple[PersonalPurpose, ...]:
    return tuple(_personal_purposes(data.get("personal_fields", [])))


def _word_set(data: Mapping[str, Any], section: str, key: str) -> frozenset[str]:
    block = data.get(section, {})
    if not isinstance(block, dict) or not isinstance(block.get(key, []), list):
        raise ValueError(f"'{section}.{key}' must be a list")
    return frozenset(str(v).lower() for v in block.get(key, []))


def _personal_purposes(entries: object) -> Iterator[PersonalPurpose]:
    if not isinstance(entries, list):
        raise ValueError("'personal_fields' must be a list")
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("match"), list):
            raise ValueError("each personal field needs 'token' and a 'match' list")
        words = "|".join(re.escape(str(w).lower()) for w in entry["match"])
        yield PersonalPurpose(str(entry["token"]), re.compile(rf"(?<![a-z])(?:{words})(?![a-z])"))
