"""A resumed run keeps the settings it began with; flags that would change them are refused."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from dcaudit.config import Settings
from dcaudit.errors import ConfigError
from dcaudit.resume import resume_command, resume_settings

from .audits import dcaudit, held_site, one_line_error, report, run_id_of, start


def test_resume_without_flags_uses_the_stored_settings(tmp_path: Path) -> None:
    with held_site(pages=8) as site:
        held = site.when_requested("/held")
        child = start(
            "audit", site.url("/"), "--max-pages", "4", "--no-browser", "--delay", "0",
            "--concurrency", "1", "--out", "out", "-q", cwd=tmp_path,
        )  # fmt: skip
        assert held.wait(60), "the crawl never reached /held"
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 130, err
        run_id = run_id_of(out)
        assert f"dcaudit audit --resume {run_id} --out out" in out  # the note says how
        site.release_all()

        refused = dcaudit("audit", "--resume", run_id, "--out", "out", "--max-pages", "7",
                          cwd=tmp_path)  # fmt: skip
        one_line_error(refused, 2, "option --max-pages 7 (the run has 4)")
        with_url = dcaudit("audit", site.url("/"), "--resume", run_id, "--out", "out",
                           cwd=tmp_path)  # fmt: skip
        one_line_error(with_url, 2, "give URLs or --resume, not both")
        assert report(tmp_path / "out")["run"]["status"] == "partial"  # neither touched it

        resumed = dcaudit("audit", "--resume", run_id, "--out", "out", "--format", "json,md",
                          cwd=tmp_path)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    final = report(tmp_path / "out")
    assert final["run"]["status"] == "complete"
    # 4 pages, not the default 500; the browser pass stayed off as the run began
    assert len(final["pages"]) == 4
    notes = final["run"]["notes"]
    assert any(n.startswith("page limit reached (4 pages)") for n in notes), notes
    assert any(n.startswith("browser checks off") for n in notes), notes
    assert "resumed with formats json,md (the run began with html,json,csv,junit,sarif,md)" in (
        notes
    )
    assert final["run"]["settings"]["max_pages"] == 4
    assert final["run"]["settings"]["browser"] is False


def given(**values: object) -> dict[str, tuple[object, str]]:
    return {key: (value, f"option --{key.replace('_', '-')}") for key, value in values.items()}


def test_resume_settings_refuse_every_changed_flag_in_one_line() -> None:
    stored = Settings(max_pages=3000, delay=0, browser=False).to_dict()
    with pytest.raises(ConfigError) as caught:
        resume_settings(stored, {**given(max_pages=500, delay=0.25), "browser": (True, "x")})
    text = str(caught.value)
    assert "\n" not in text
    assert "option --delay 0.25 (the run has 0)" in text
    assert "option --max-pages 500 (the run has 3000)" in text


def test_resume_settings_apply_safe_changes_and_set_aside_config_values() -> None:
    stored = Settings(max_pages=3000, out_dir="a").to_dict()
    layers = {
        **given(out_dir="b", max_pages=3000),
        "delay": (1.0, "dcaudit.toml"),
        "fail_on": (("critical>0",), "environment variable DCAUDIT_FAIL_ON"),
    }
    resumed = resume_settings(stored, layers)
    assert resumed.settings.max_pages == 3000 and resumed.settings.delay == Settings.delay
    assert resumed.settings.out_dir == "b" and resumed.settings.fail_on == ("critical>0",)
    assert resumed.notes == (
        "resumed with fail_on critical>0 (the run began with none)",
        "resumed with out_dir b (the run began with a)",
    )
    assert resumed.set_aside == ("delay from dcaudit.toml",)


def test_resume_settings_from_an_older_store_take_defaults_for_new_settings() -> None:
    stored = {"max_pages": 7, "a_setting_since_removed": 1}
    assert resume_settings(stored, {}).settings == Settings(max_pages=7)


def test_resume_command_names_the_store_where_it_is_not_the_default() -> None:
    assert resume_command("r1", Settings()) == "dcaudit audit --resume r1"
    assert resume_command("r1", Settings(out_dir="my out")) == (
        "dcaudit audit --resume r1 --out 'my out'"
    )
    assert resume_command("r1", Settings(store="s.sqlite")) == (
        "dcaudit audit --resume r1 --store s.sqlite"
    )
