"""Failed seeds fail the run in one line; failed pages are counted, explained and gated."""

from __future__ import annotations

from pathlib import Path

from ..crawl.fakes import LoopbackSite, Reply, serving
from .audits import dcaudit, links, one_line_error, report


def test_a_run_whose_only_seed_answers_404_fails_with_exit_3(tmp_path: Path) -> None:
    with serving(LoopbackSite()) as site:
        site.add("/", Reply(status=404, body=b"not here"))
        result = dcaudit("audit", site.url("/"), "--no-browser", "-q", "--out", "out", cwd=tmp_path)
    one_line_error(result, 3, f"nothing could be audited: {site.url('/')} failed: HTTP 404")
    assert not (tmp_path / "out" / "report.json").exists()  # no report of nothing
    listed = dcaudit("runs", "--out", "out", cwd=tmp_path)
    assert listed.stdout.split()[1] == "failed"


def test_failed_pages_are_counted_with_their_reasons_and_can_fail_the_gate(
    tmp_path: Path,
) -> None:
    with serving(LoopbackSite()) as site:
        site.page("/", links("/gone", "/also-gone", "/big", "/fine"))
        site.page("/fine", links("/"))
        site.add("/big", Reply(body=b"<p>" + b"x" * 5000))
        result = dcaudit(
            "audit", site.url("/"), "--no-browser", "--delay", "0", "--out", "out",
            "--fail-on", "failed_pages>0", "--format", "json,md,html",
            "--config", str(config(tmp_path)), cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "pages that could not be fetched: 3 > 0" in result.stderr
    assert "errors 3 (2 HTTP 404, 1 too large)" in result.stdout
    data = report(tmp_path / "out")
    assert data["summary"]["pages"]["failed_by_reason"] == {"HTTP 404": 2, "too large": 1}
    html = (tmp_path / "out" / "report.html").read_text()
    assert "3 of the pages could not be fetched (2 HTTP 404, 1 too large)" in html
    markdown = (tmp_path / "out" / "summary.md").read_text()
    assert "| Pages that failed | 3 (2 HTTP 404, 1 too large) |" in markdown


def config(folder: Path) -> Path:
    path = folder / "small.toml"
    path.write_text("max_body_bytes = 1000\n")
    return path
