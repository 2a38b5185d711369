"""Phrase sets compiled into one token index, so a text is scanned once for every rule.

Phrase syntax (documented for rule authors in rules/README.md):

- words are matched whole, case- and accent-insensitively; punctuation is ignored;
- ``word*`` matches any word starting with ``word`` (at least three letters before ``*``);
- ``...`` matches any one word (not as the first word);
- with inflection on, each word of three or more letters also matches itself plus one of
  the pack's suffixes (English: "apply for" matches "applying for"), and with its first
  letters changed by the pack's initial mutations (Welsh: "talu" matches "dalu", "thalu").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dcaudit.engine.text import fold, tokenize

ANY_WORD = "..."
_EXACT, _PREFIX, _ANY = 0, 1, 2
_MIN_PREFIX = 3
_MIN_INFLECTED = 3


@dataclass(frozen=True)
class _Token:
    kind: int
    words: frozenset[str] = frozenset()
    prefix: str = ""

    def accepts(self, token: str) -> bool:
        if self.kind == _EXACT:
            return token in self.words
        if self.kind == _PREFIX:
            return token.startswith(self.prefix)
        return True


@dataclass(frozen=True)
class _Phrase:
    set_id: int
    tokens: tuple[_Token, ...]
    rest: tuple[_Token, ...] = ()  # tokens after the first, checked in the scan loop


def _variants(
    word: str, suffixes: Sequence[str], mutations: Mapping[str, Sequence[str]]
) -> set[str]:
    forms = {word}
    for initial in sorted(mutations, key=len, reverse=True):
        if word.startswith(initial):
            forms.update(changed + word[len(initial) :] for changed in mutations[initial])
            break
    return forms | {form + suffix for form in forms for suffix in suffixes}


def _compile_phrase(
    phrase: str,
    set_id: int,
    suffixes: Sequence[str],
    inflect: bool,
    mutations: Mapping[str, Sequence[str]],
) -> _Phrase:
    pieces = phrase.split()
    if not pieces:
        raise ValueError("an empty phrase")
    tokens: list[_Token] = []
    for piece in pieces:
        if piece == ANY_WORD:
            tokens.append(_Token(_ANY))
            continue
        if piece.endswith("*"):
            stem = tokenize(piece[:-1])[0]  # "e-consult*": "e" exactly, then "consult..."
            if not stem or len(stem[-1]) < _MIN_PREFIX:
                raise ValueError(
                    f"phrase '{phrase}': '{piece}' needs at least three letters before '*'"
                )
            tokens.extend(_Token(_EXACT, words=frozenset({word})) for word in stem[:-1])
            tokens.append(_Token(_PREFIX, prefix=stem[-1]))
            continue
        words = tokenize(piece)[0]
        if not words:
            raise ValueError(f"phrase '{phrase}': '{piece}' has no letters or digits")
        for word in words:
            variants = {word}
            if inflect and len(word) >= _MIN_INFLECTED and word.isalpha():
                variants = _variants(word, [fold(s) for s in suffixes], mutations)
            tokens.append(_Token(_EXACT, words=frozenset(variants)))
    if tokens[0].kind == _ANY:
        raise ValueError(f"phrase '{phrase}' must not start with '{ANY_WORD}'")
    return _Phrase(set_id, tuple(tokens), tuple(tokens[1:]))


class PhraseIndex:
    """All phrase sets of all rules; ``scan`` reports which sets occur in a token list."""

    def __init__(self) -> None:
        self._by_word: dict[str, list[_Phrase]] = {}
        self._by_prefix: dict[str, list[_Phrase]] = {}
        self._sets = 0

    def add(
        self,
        phrases: Sequence[str],
        suffixes: Sequence[str] = (),
        inflect: bool = True,
        mutations: Mapping[str, Sequence[str]] | None = None,
    ) -> int:
        """Register a phrase set and return its id. Raises ValueError naming a bad phrase."""
        set_id = self._sets
        compiled = [_compile_phrase(p, set_id, suffixes, inflect, mutations or {}) for p in phrases]
        if not compiled:
            raise ValueError("a phrase matcher needs at least one phrase")
        for phrase in compiled:
            first = phrase.tokens[0]
            if first.kind == _EXACT:
                for word in first.words:
                    self._by_word.setdefault(word, []).append(phrase)
            else:
                self._by_prefix.setdefault(first.prefix[:_MIN_PREFIX], []).append(phrase)
        self._sets += 1
        return set_id

    def scan(self, tokens: Sequence[str]) -> dict[int, tuple[int, int]]:
        """Set id -> (first token, end token) of its first occurrence in ``tokens``."""
        found: dict[int, tuple[int, int]] = {}
        count = len(tokens)
        by_word, by_prefix = self._by_word, self._by_prefix
        for start, token in enumerate(tokens):
            candidates = by_word.get(token)
            if by_prefix:
                extra = by_prefix.get(token[:_MIN_PREFIX])
                if extra:
                    candidates = [*candidates, *extra] if candidates else extra
            if not candidates:
                continue
            for phrase in candidates:
                if phrase.set_id in found:
                    continue
                end = start + len(phrase.tokens)
                if end > count:
                    continue
                # the first token matched through the index; check the rest inline (hot loop)
                position = start + 1
                for pattern in phrase.rest:
                    word = tokens[position]
                    kind = pattern.kind
                    if (kind == _EXACT and word not in pattern.words) or (
                        kind == _PREFIX and not word.startswith(pattern.prefix)
                    ):
                        break
                    position += 1
                else:
                    if phrase.tokens[0].accepts(token):
                        found[phrase.set_id] = (start, end)
        return found
