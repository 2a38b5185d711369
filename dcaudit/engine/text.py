"""Text normalisation shared by the phrase matcher and language detection.

Page text is untrusted: it is only ever tokenised and compared, never interpreted.
Tokens are runs of word characters, case-folded with accents removed, so "Cysylltu â ni"
and "cysylltu a ni" compare equal and punctuation never breaks a phrase.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Case-fold and strip accents from one word."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokenize(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Folded tokens of ``text`` and their (start, end) spans in the original text."""
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        tokens.append(fold(match.group()))
        spans.append(match.span())
    return tokens, spans


def words(text: str) -> list[str]:
    """Folded tokens only (the fast path: most public-sector text is ASCII)."""
    if text.isascii():
        return _WORD.findall(text.lower())
    return [fold(word) for word in _WORD.findall(text)]


def span_of(text: str, start: int, end: int) -> str:
    """The original text of tokens ``start`` to ``end`` (exclusive)."""
    spans = [m.span() for m in _WORD.finditer(text)]
    return text[spans[start][0] : spans[end - 1][1]]


def clean(text: str | None, limit: int = 0) -> str:
    """Collapse whitespace, drop control characters and cap the length (0 = no cap)."""
    if not text:
        return ""
    value = _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()
    if limit and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value
