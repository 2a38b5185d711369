"""Template signatures group pages of one CMS template."""

from __future__ import annotations

from pathlib import Path

from dcaudit.extract.template import template_signature
from dcaudit.parse.document import parse_html

FIXTURES = Path(__file__).parent / "fixtures"


def signature(name: str) -> str:
    html = (FIXTURES / name).read_text(encoding="utf-8")
    return template_signature(parse_html(f"https://council.example/{name}", html))


def test_template_signature_shared_by_two_news_articles() -> None:
    assert signature("news-article-1.html") == signature("news-article-2.html")


def test_template_signature_differs_for_a_form_page() -> None:
    assert signature("form-page.html") != signature("news-article-1.html")


def test_template_signature_ignores_text_and_repeated_items() -> None:
    short = "<body><nav><ul><li><a href=/>A</a></li></ul></nav><main><p>One</p></main></body>"
    long = (
        "<body><nav><ul>" + "<li><a href=/x>Item</a></li>" * 30 + "</ul></nav>"
        "<main>" + "<p>Lots of different words.</p>" * 20 + "</main></body>"
    )
    first = template_signature(parse_html("https://a.example/1", short))
    assert first == template_signature(parse_html("https://a.example/2", long))
    assert len(first) == 12


def test_template_signature_of_empty_page_is_stable() -> None:
    assert template_signature(parse_html("https://a.example/", "")) == template_signature(
        parse_html("https://a.example/other", "<html></html>")
    )
