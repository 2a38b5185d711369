"""Which pages the browser checks, decided one page at a time as the crawl stores them.

HTML pages that answered below 400 are candidates; with ``sample_per_template`` only the
first N of each DOM template are kept, and with ``browser_max_pages`` only the first M of
those. Deciding in the order the pages were stored picks exactly the pages that choosing
from the whole stored list afterwards would pick, so the pass can start before the crawl
ends; what was left out is disclosed in the run's notes.
"""

from __future__ import annotations

from dcaudit.config import Settings
from dcaudit.models import Page


class BrowserChoice:
    """Feed it every stored page, in the order they were stored."""

    def __init__(self, settings: Settings) -> None:
        self.per_template = settings.sample_per_template  # 0: no sampling
        self.budget = settings.browser_max_pages  # 0: no budget
        self.candidates = 0
        self.sampled = 0  # candidates kept by template sampling
        self.chosen = 0
        self._templates: dict[str, int] = {}

    def choose(self, page: Page) -> bool:
        """Whether ``page`` is checked in the browser (counted for the notes either way)."""
        if not (page.is_html and page.status is not None and page.status < 400):
            return False
        self.candidates += 1
        if self.per_template:
            key = page.template or page.url
            seen = self._templates.get(key, 0)
            if seen >= self.per_template:
                return False
            self._templates[key] = seen + 1
        self.sampled += 1
        if self.budget and self.chosen >= self.budget:
            return False
        self.chosen += 1
        return True

    def notes(self) -> list[str]:
        """What sampling and the budget left out, once every page has been seen."""
        notes: list[str] = []
        if self.per_template and self.sampled < self.candidates:
            notes.append(
                f"template sampling: {self.sampled} of {self.candidates} pages checked in the "
                f"browser ({self.per_template} per template, {len(self._templates)} "
                "templates); static checks ran on every page"
            )
        if self.budget and self.sampled > self.budget:
            notes.append(
                f"browser budget: {self.budget} of {self.sampled} pages checked "
                "in the browser (--browser-max-pages); static checks ran on every page"
            )
        return notes


__all__ = ["BrowserChoice"]
