"""``dcaudit audit`` fuzzed: option values, URLs, config files, environment variables,
baseline files and ``--resume``. Whatever is given, dcaudit stops with one line naming the
cause (exit 2; 3 when the store cannot be written) and stores nothing, or the run starts;
never a traceback.

Most examples run in this process through ``main()``, stopped where the crawl would begin
(every setting has been checked by then); a few run in a process of their own as a user
runs dcaudit, and a few crawl a one-page site on 127.0.0.1 to the end, reports included.
"""

from __future__ import annotations

import contextlib
import functools
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import event, example, given
from hypothesis import strategies as st

from dcaudit import pipeline
from dcaudit.baseline import SCHEMA
from dcaudit.cli import main
from dcaudit.config import ALL_FORMATS, Settings
from dcaudit.gate import CHANGE_METRICS, METRICS
from dcaudit.identity import IDENTITY_VERSION
from dcaudit.models import Run, RunStatus
from dcaudit.store import Store

from ..crawl.fakes import LoopbackSite, serving
from ..fuzzing import FIELDS, documents, fuzz_settings, mutated, toml_document, trap_text
from .audits import dcaudit, one_line_error


class Started(Exception):
    """The run got past every check: the crawl would begin now."""


@pytest.fixture
def stop_at_crawl(monkeypatch: pytest.MonkeyPatch) -> None:
    def crawl(*args: Any, **kwargs: Any) -> None:
        raise Started

    monkeypatch.setattr(pipeline, "crawl", crawl)
    # the built-in packs are read once, not once an example (errors are not cached)
    monkeypatch.setattr(pipeline, "load_packs", functools.cache(pipeline.load_packs))


# -- what is given: mostly values that pass, so that the checks further on are reached too
def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Three times in four from ``good``."""
    return st.sampled_from((good, good, good, bad)).flatmap(lambda chosen: chosen)


odd_numbers = st.one_of(trap_text, st.integers().map(str), st.floats().map(repr))
whole = mostly(st.integers(0, 60).map(str), odd_numbers)
seconds = mostly(st.floats(0, 2).map(lambda f: f"{f:.3f}"), odd_numbers)
formats = mostly(
    st.lists(st.sampled_from(ALL_FORMATS), min_size=1, max_size=3).map(",".join),
    st.lists(st.sampled_from(ALL_FORMATS) | trap_text, max_size=3).map(",".join),
)
metrics = st.sampled_from([*METRICS, *CHANGE_METRICS, "new.serious", "new.rule(DCA001)"])
operators = st.sampled_from([">", ">=", "<", "<=", "==", "!="])
conditions = mostly(
    st.tuples(metrics, operators, st.integers(0, 9).map(str)).map("".join),
    st.tuples(metrics | trap_text, operators | trap_text, odd_numbers).map("".join),
)
patterns = mostly(st.sampled_from(["/admin", "^https?://", "\\.pdf$", "(?i)news", ""]), trap_text)
# paths stay inside the example's folder: no "/" and no ".."
names = st.text(
    st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=10,
).filter(lambda name: name not in ("..", "-"))
paths = mostly(st.sampled_from(["out", "a/b", "."]), st.just("a file") | names)
odd_urls = st.one_of(
    st.tuples(
        st.sampled_from(["http://", "https://", "ftp://", "", "HTTP://", "javascript:", "//"]),
        st.sampled_from(
            [
                "127.0.0.1",
                "127.0.0.1:0",
                "127.0.0.1:99999",
                "[::1",
                "[::1]",
                "localhost",
                "council.invalid",
                "xn--",
                "ex ample.invalid",
                "",
                "\u0661.invalid",
                "%00",
                "user@council.invalid",
            ]
        ),
        st.sampled_from(["/", "", "/apply?x=1#y", "/%zz", "/\u00e9"]) | trap_text,
    ).map("".join),
    trap_text,
)
urls = mostly(st.sampled_from(["http://127.0.0.1:9/", "https://council.invalid/a?b=c"]), odd_urls)
OPTIONS: dict[str, st.SearchStrategy[str]] = {
    "--max-pages": whole,
    "--max-depth": whole,
    "--concurrency": whole,
    "--delay": seconds,
    "--browser-max-pages": whole,
    "--sample-per-template": whole,
    "--browser-workers": whole,
    "--user-agent": mostly(st.sampled_from(["probe/1.0", "Mozilla/5.0 (X11)"]), trap_text),
    "--include": patterns,
    "--exclude": patterns,
    "--webdriver-url": urls,
    "--required-language": mostly(st.sampled_from(["cy", "en-GB", "ga"]), trap_text),
    "--rules": paths,
    "--out": paths,
    "--store": mostly(st.sampled_from(["s.sqlite", "a/s.sqlite"]), paths),
    "--format": formats,
    "--fail-on": conditions,
    "--baseline": mostly(st.just("baseline.json"), paths),
    "--config": mostly(st.just("given.toml"), paths),
}
FLAGS = ("--no-browser", "--allow-private-addresses", "-q")
BASELINE = {
    "schema": SCHEMA,
    "identity": IDENTITY_VERSION,
    "run": "r0",
    "site": "http://127.0.0.1/",
    "rule_packs": {"static-a11y": "0.1.0"},
    "site_risk": 12.5,
    "pages": ["/"],
    "findings": [
        {
            "id": "f1",
            "rule": "DCA001",
            "template": "/",
            "locator": "main img",
            "outcome": "violation",
            "impact": "serious",
            "expires": "2026-06-30",
        }
    ],
    "interactions": [
        {"id": "i1", "kind": "form", "template": "/", "target": "/apply", "class": "utility"}
    ],
}


@st.composite
def command_lines(draw: Callable[..., Any]) -> list[str]:
    args: list[str] = []
    for option in draw(st.lists(st.sampled_from(sorted(OPTIONS)), max_size=3)):
        args += [option, draw(OPTIONS[option])]
    args += draw(st.lists(st.sampled_from(FLAGS), max_size=2, unique=True))
    return args


@contextlib.contextmanager
def example_folder(config: dict[str, Any], baseline: Any) -> Iterator[Path]:
    """A fresh current folder holding ``given.toml``, ``baseline.json`` and ``a file``."""
    with tempfile.TemporaryDirectory() as name, contextlib.chdir(name):
        folder = Path(name)
        (folder / "given.toml").write_text(toml_document(config), encoding="utf-8")
        (folder / "baseline.json").write_text(json.dumps(baseline), encoding="utf-8")
        (folder / "a file").write_text("not a folder\n", encoding="utf-8")
        yield folder


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env, catch_exceptions=True)


def stores_in(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.sqlite"))


def check_outcome(result: Result, folder: Path, stores_before: list[Path]) -> str:
    """'started', or the exit code of a clean stop; fails on anything else."""
    if isinstance(result.exception, Started):
        return "started"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the test fails with it
    stderr = result.stderr
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert "Usage:" in result.stdout  # -h or --help among the values
        return "help"
    assert result.exit_code in (2, 3), (result.exit_code, result.output)
    assert stderr.startswith("dcaudit: error: ") and stderr.count("\n") == 1, stderr
    if result.exit_code == 2:
        assert stores_in(folder) == stores_before, stderr  # nothing stored
    else:  # the run failed: the store cannot be written, or has no such run
        assert "store" in stderr or "no run" in stderr, stderr
    return str(result.exit_code)


# -- in this process, stopped where the crawl begins ---------------------------------------
@fuzz_settings(250)
@given(
    urls=st.lists(urls, min_size=1, max_size=2),
    args=command_lines(),
    config=documents() | st.just({}),
    baseline=st.just(BASELINE) | mutated(BASELINE, trap_text),
    env=mostly(
        st.just({}),
        st.dictionaries(
            st.sampled_from(FIELDS).map(lambda name: f"DCAUDIT_{name.upper()}"),
            trap_text.filter(lambda text: "\x00" not in text),
            max_size=1,
        ),
    ),
)
@example(urls=[], args=[], config={}, baseline=BASELINE, env={})
@example(urls=["http://[::1/"], args=[], config={}, baseline=BASELINE, env={})
@example(urls=["http://127.0.0.1/"], args=["--delay", "abc"], config={}, baseline={}, env={})
@example(
    urls=["http://127.0.0.1/"],
    args=["--baseline", "baseline.json"],
    config={},
    baseline={**BASELINE, "findings": ["DCA001"]},  # once an AttributeError
    env={},
)
def test_fuzzed_audit_stops_in_one_line_or_starts(
    stop_at_crawl: None,
    urls: list[str],
    args: list[str],
    config: dict[str, Any],
    baseline: Any,
    env: dict[str, str],
) -> None:
    with example_folder(config, baseline) as folder:
        result = invoke(["audit", *urls, *args], env)
        event(check_outcome(result, folder, []))


@fuzz_settings(80)
@given(
    run_id=mostly(st.just("r1"), st.just("r2") | trap_text),
    with_url=st.integers(0, 5),
    args=command_lines(),
    config=documents() | st.just({}),
)
def test_fuzzed_resume_stops_in_one_line_or_starts(
    stop_at_crawl: None, run_id: str, with_url: int, args: list[str], config: dict[str, Any]
) -> None:
    """A stored run that was interrupted, resumed with anything at all."""
    with example_folder(config, BASELINE) as folder:
        with Store(folder / "reports" / "dcaudit.sqlite") as store:
            began = Settings(browser=False, delay=0, max_pages=40).to_dict()
            store.create_run(
                Run(
                    id="r1",
                    started="2026-01-01T00:00:00Z",
                    seeds=("http://127.0.0.1:9/",),
                    settings=began,
                    status=RunStatus.PARTIAL,
                )
            )
        before = stores_in(folder)
        urls = ["http://127.0.0.1:9/"] if with_url == 0 else []  # refused with --resume
        result = invoke(["audit", "--resume", run_id, *urls, *args])
        event(check_outcome(result, folder, before))


# -- as a user runs it --------------------------------------------------------------------
sure_mistakes = st.one_of(
    st.tuples(st.sampled_from(["--max-pages", "--concurrency", "--delay"]), st.just("-1")),
    st.tuples(st.just("--concurrency"), st.just("0")),
    st.tuples(st.just("--delay"), st.sampled_from(["inf", "nan", "1e308", "a"])),
    st.tuples(st.just("--format"), st.sampled_from(["pdf", "html,HTML", "json;csv"])),
    st.tuples(st.just("--fail-on"), st.sampled_from(["critical>>0", "vibes>0", "a=1"])),
    st.tuples(st.just("--include"), st.sampled_from(["(", "[a-", "a{99999999999}"])),
    st.tuples(st.just("--no-such-option"), st.just("1")),
)


@fuzz_settings(3)
@given(mistake=sure_mistakes, args=command_lines())
def test_fuzzed_audit_in_its_own_process_stops_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, mistake: tuple[str, str], args: list[str]
) -> None:
    """The whole program as a user runs it: one mistake among other values, every one of
    which stays on 127.0.0.1 (only invalid hosts besides) and stores nothing."""
    folder = tmp_path_factory.mktemp("cli")
    (folder / "given.toml").write_text("")
    (folder / "baseline.json").write_text(json.dumps(BASELINE))
    (folder / "a file").write_text("")
    # the mistake comes last: a later option would not be read after it
    result = dcaudit("audit", "http://127.0.0.1:9/", *args, *mistake, cwd=folder)
    one_line_error(result, 2, "")
    assert stores_in(folder) == []


# -- in this process, crawled to the end -------------------------------------------------
safe = st.one_of(
    st.tuples(st.just("--include"), st.sampled_from(["", ".", "/", "^http", "(?i)P"])),
    st.tuples(st.just("--exclude"), st.sampled_from(["\\?", "zz", "$^"])),
    st.tuples(st.just("--user-agent"), st.sampled_from(["x", "Mozilla/5.0 (X)", "*", " a "])),
    st.tuples(st.just("--required-language"), trap_text),
    st.tuples(
        st.just("--format"), formats.filter(lambda text: set(text.split(",")) <= {*ALL_FORMATS, ""})
    ),
    st.tuples(
        st.just("--fail-on"), st.sampled_from(["critical>0", "two_way_share<0.5", "site_risk>=0"])
    ),
    st.tuples(st.just("--max-depth"), st.sampled_from(["0", "1", "99"])),
)


@fuzz_settings(6)
@given(choices=st.lists(safe, max_size=4))
def test_fuzzed_values_that_pass_the_checks_audit_to_the_end(
    monkeypatch: pytest.MonkeyPatch, choices: list[tuple[str, str]]
) -> None:
    monkeypatch.setattr(pipeline, "load_packs", functools.cache(pipeline.load_packs))
    args = [value for pair in choices for value in pair]
    with serving(LoopbackSite()) as site, example_folder({}, BASELINE) as folder:
        site.page("/", "<html lang='en'><title>Home</title><a href='/p?q=1'>p</a></html>")
        site.page("/p", "<html lang='cy'><title>P</title><form><input name=q></form></html>")
        result = invoke(["audit", site.url("/"), "--no-browser", "--delay", "0", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 1), result.output
        assert (folder / "reports" / "dcaudit.sqlite").is_file()
