"""A page whose markup is past the HTML parser's limits is audited whole: the links after
the deep part are crawled, and the run and the report say a limit was met (the parser's
side: tests/parse/test_deep_markup.py)."""

from __future__ import annotations

from pathlib import Path

from dcaudit.config import Settings
from dcaudit.parse.nesting import PARSE_RULE
from dcaudit.pipeline import run_audit

from .fakes import LoopbackSite

LEVELS = 10_000
DEEP_PAGE = (
    "<html><body>" + "<div>" * LEVELS + '<a href="/deep">deep</a>' + "</div>" * LEVELS
    + '<a href="/after">after</a><form action="/send"><input name="q"></form></body></html>'
)  # fmt: skip


def test_a_deeply_nested_page_is_audited_whole(site: LoopbackSite, tmp_path: Path) -> None:
    site.page("/", DEEP_PAGE)
    for path in ("/deep", "/after", "/send"):
        site.page(path, "<html><body><p>page</p></body></html>")
    settings = Settings(delay=0, browser=False, out_dir=str(tmp_path), formats=("json",))
    result = run_audit(settings, [site.url("/")])
    assert {"/", "/deep", "/after"} <= set(site.count())
    assert any(
        n.startswith("HTML parser: the markup of 1 page met a limit") for n in (result.run.notes)
    )
    report = (tmp_path / "report.json").read_text()
    assert PARSE_RULE in report and "their text, links and forms were kept" in report
