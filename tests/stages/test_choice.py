"""The browser's pages, chosen one stored page at a time: the same pages and notes as choosing
from the whole stored list once the crawl is over."""

from __future__ import annotations

from dataclasses import replace

from dcaudit.config import Settings
from dcaudit.models import Page
from dcaudit.stages.choice import BrowserChoice

HTML = Page(url="", final_url="", status=200, content_type="text/html", bytes=10, depth=0)


def page(n: int, template: str | None = "t1", **changes: object) -> Page:
    url = f"http://127.0.0.1/p{n}"
    return replace(HTML, url=url, final_url=url, template=template, **changes)  # type: ignore[arg-type]


PAGES = [
    page(0),
    page(1),
    page(2, template="t2"),
    page(3, status=404),
    page(4, content_type="application/pdf", is_document=True),
    page(5, status=None, error="timeout"),
    page(6),
    page(7, template="t2"),
    page(8, template=None),
    page(9, template="t3"),
]


def chosen(settings: Settings) -> tuple[list[str], list[str]]:
    choice = BrowserChoice(settings)
    picked = [p.url.rsplit("/", 1)[1] for p in PAGES if choice.choose(p)]
    return picked, choice.notes()


def test_choice_takes_every_html_page_that_answered() -> None:
    assert chosen(Settings()) == (["p0", "p1", "p2", "p6", "p7", "p8", "p9"], [])


def test_choice_samples_the_first_pages_of_each_template_in_storing_order() -> None:
    picked, notes = chosen(Settings(sample_per_template=1))

    assert picked == ["p0", "p2", "p8", "p9"]  # a page without a template is its own
    assert notes == [
        "template sampling: 4 of 7 pages checked in the browser (1 per template, "
        "4 templates); static checks ran on every page"
    ]


def test_choice_budget_keeps_the_first_pages_after_sampling() -> None:
    picked, notes = chosen(Settings(sample_per_template=2, browser_max_pages=3))

    assert picked == ["p0", "p1", "p2"]
    assert notes == [
        "template sampling: 6 of 7 pages checked in the browser (2 per template, "
        "4 templates); static checks ran on every page",
        "browser budget: 3 of 6 pages checked in the browser (--browser-max-pages); "
        "static checks ran on every page",
    ]


def test_choice_budget_alone_is_disclosed_only_when_it_cuts() -> None:
    assert chosen(Settings(browser_max_pages=7)) == (
        ["p0", "p1", "p2", "p6", "p7", "p8", "p9"],
        [],
    )
    picked, notes = chosen(Settings(browser_max_pages=2))
    assert picked == ["p0", "p1"]
    assert notes == [
        "browser budget: 2 of 7 pages checked in the browser (--browser-max-pages); "
        "static checks ran on every page"
    ]
