"""What a classification rule looks at: one interaction, its element, and its texts by field.

Texts are tokenised and scanned against the phrase index once per field; the page title and
page text are scanned once per page and shared by every interaction on it. The page text
has its own, smaller index (only phrases that read the ``page`` field), since it is long.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from dcaudit.engine.phrases import PhraseIndex
from dcaudit.engine.text import words
from dcaudit.extract.candidates import SourceElement
from dcaudit.models import Interaction
from dcaudit.parse.document import ParsedPage, visible_text

TEXT_FIELDS = ("label", "submit", "fields", "heading", "context", "title", "target", "page")
_SMALL_FIELDS = ("label", "submit", "fields", "heading", "context", "target")
PAGE_TEXT_LIMIT = 20_000  # main-content text scanned for page-level phrases (characters)
_WORD = re.compile(r"\w+")
_ROLE_MAIN = etree.XPath("//*[@role='main'][1]")

Hits = dict[int, str]  # phrase set id -> the text that matched


def main_text(parsed: ParsedPage) -> str:
    """Visible text of the first ``<main>`` (or role=main), else of the page, capped."""
    main = next(parsed.root.iter("main"), None)
    if main is None:
        found = _ROLE_MAIN(parsed.root)
        main = found[0] if isinstance(found, list) and found else None
    if isinstance(main, lxml.html.HtmlElement):
        return visible_text(main)[:PAGE_TEXT_LIMIT]
    return parsed.text[:PAGE_TEXT_LIMIT]


def scan(phrases: PhraseIndex, text: str) -> Hits:
    """Phrase sets found in ``text``, each with the original words that matched."""
    if not text:
        return {}
    found = phrases.scan(words(text))
    if not found:
        return {}
    needed = max(end for _, end in found.values())
    spans = [m.span() for m in itertools.islice(_WORD.finditer(text), needed)]
    return {
        set_id: text[spans[start][0] : spans[end - 1][1]] for set_id, (start, end) in found.items()
    }


@dataclass
class PageScan:
    """One page as the classification rules read it: phrase hits in its title and main
    text, and the elements each rule selector matches, computed once and shared by every
    subject on the page."""

    parsed: ParsedPage | None
    phrases: PhraseIndex
    page_phrases: PhraseIndex
    languages: frozenset[str] = frozenset()
    _selector_hits: dict[int, set[lxml.html.HtmlElement]] = field(default_factory=dict)
    _title_hits: Hits | None = None
    _page_hits: Hits | None = None
    _content: str | None = None

    def selector_matches(self, key: int, xpath: etree.XPath) -> set[lxml.html.HtmlElement]:
        """Elements matching a compiled selector, evaluated once per page."""
        found = self._selector_hits.get(key)
        if found is None:
            found = set()
            if self.parsed is not None:
                result = xpath(self.parsed.root)
                if isinstance(result, list):
                    found = {e for e in result if isinstance(e, etree._Element)}
            self._selector_hits[key] = found
        return found

    @property
    def title_hits(self) -> Hits:
        if self._title_hits is None:
            title = self.parsed.title if self.parsed is not None else None
            self._title_hits = scan(self.phrases, title or "")
        return self._title_hits

    @property
    def page_hits(self) -> Hits:
        if self._page_hits is None:
            self._page_hits = scan(self.page_phrases, self.content_text)
        return self._page_hits

    @property
    def content_text(self) -> str:
        """The page's main content (``<main>``, else the body), without site chrome menus."""
        if self._content is None:
            self._content = main_text(self.parsed) if self.parsed is not None else ""
        return self._content


@dataclass
class Subject:
    interaction: Interaction
    source: SourceElement | None
    page: PageScan
    languages: frozenset[str] = frozenset()
    texts: Mapping[str, str] = field(default_factory=dict)
    reads_page: bool = True  # False for site chrome: the page title and text are not about it
    _hits: dict[str, Hits] = field(default_factory=dict)
    _hit_ids: frozenset[int] | None = None

    @property
    def element(self) -> lxml.html.HtmlElement | None:
        return self.source.element if self.source is not None else None

    def text(self, name: str) -> str:
        return self.texts.get(name, "")

    def hits(self, name: str) -> Hits:
        """Main-index phrase hits in one field (``page`` uses ``page_hits``)."""
        cached = self._hits.get(name)
        if cached is None:
            if name == "title":
                cached = self.page.title_hits if self.reads_page else {}
            else:
                cached = scan(self.page.phrases, self.texts.get(name, ""))
            self._hits[name] = cached
        return cached

    @property
    def hit_ids(self) -> frozenset[int]:
        """Every main-index phrase set found in any field: a quick "cannot match" test."""
        if self._hit_ids is None:
            ids: set[int] = set()
            for name in (*_SMALL_FIELDS, "title"):
                ids.update(self.hits(name))
            self._hit_ids = frozenset(ids)
        return self._hit_ids

    @property
    def page_hits(self) -> Hits:
        return self.page.page_hits if self.reads_page else {}
