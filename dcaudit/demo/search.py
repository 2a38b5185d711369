"""Site search for the demo council: a tiny in-memory index of the static pages.

Built once, on the first search, from the same files the server sends. Pages rendered from
templates (forms in progress, confirmations) and the staff area are left out, as a real
council search would leave them out.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from importlib.resources.abc import Traversable

import lxml.html

MAX_RESULTS = 20
MAX_TERMS = 10
_WORD = re.compile(r"\w+")
_EXCLUDED_PREFIXES = ("/admin/",)


@dataclass(frozen=True)
class SearchResult:
    path: str
    title: str
    description: str


@dataclass(frozen=True)
class _Entry:
    result: SearchResult
    title: str  # lower case
    text: str  # title, description and main content, lower case


class SiteIndex:
    def __init__(self, root: Traversable) -> None:
        self._root = root
        self._entries: list[_Entry] | None = None
        self._lock = threading.Lock()

    def search(self, query: str) -> list[SearchResult]:
        """Pages containing every word of ``query``; title matches rank first."""
        terms = _WORD.findall(query.lower())[:MAX_TERMS]
        if not terms:
            return []
        scored = []
        for entry in self._index():
            if all(term in entry.text for term in terms):
                score = sum(10 * (term in entry.title) + entry.text.count(term) for term in terms)
                scored.append((-score, entry.result.title, entry.result))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [result for _, _, result in scored[:MAX_RESULTS]]

    def _index(self) -> list[_Entry]:
        with self._lock:
            if self._entries is None:
                self._entries = [
                    entry for path, page in _pages(self._root, "/") if (entry := _entry(path, page))
                ]
            return self._entries


def _pages(folder: Traversable, path: str) -> list[tuple[str, Traversable]]:
    """(URL path, index.html) for every page folder under ``folder``."""
    found = []
    for child in folder.iterdir():
        if child.is_dir():
            found.extend(_pages(child, f"{path}{child.name}/"))
        elif child.name == "index.html":
            found.append((path, child))
    return found


def _entry(path: str, page: Traversable) -> _Entry | None:
    raw = page.read_bytes()
    if path.startswith(_EXCLUDED_PREFIXES) or b"{%" in raw or b"{{" in raw:
        return None
    root = lxml.html.document_fromstring(raw)
    full_title = root.findtext(".//title") or path
    title = full_title.rsplit(" - ", 1)[0].strip()
    meta = root.find(".//meta[@name='description']")
    description = (meta.get("content") or "").strip() if meta is not None else ""
    main = root.find(".//main")
    body = " ".join(str(t) for t in main.itertext()) if main is not None else ""
    result = SearchResult(path=path, title=title, description=description)
    text = " ".join((title, description, body)).lower()
    return _Entry(result=result, title=title.lower(), text=text)
