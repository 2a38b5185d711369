"""Rule packs fuzzed: a copy of a built-in pack with one to three of its values replaced,
removed or added. Either every loader a run uses accepts it and a run can use it on real
pages (classification, every check, the site checks and the scores; a check that fails on a
page is recorded there, as in a run), or loading fails with a RulePackError naming the file;
never another exception. Through the command line: one line and exit 2, or a whole audit."""

from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import event, given
from hypothesis import strategies as st

from dcaudit import pipeline
from dcaudit.cli import main
from dcaudit.config import Settings
from dcaudit.crawl.frontier import Scope
from dcaudit.engine import packs as packs_module
from dcaudit.engine.packs import RulePack, builtin_rules_dir, load_pack
from dcaudit.errors import ConfigError, RulePackError
from dcaudit.models import Outcome, Page
from dcaudit.parse.document import ParsedPage, parse_html
from dcaudit.score import score_interactions, score_pages, score_site

from ..crawl.fakes import LoopbackSite, serving
from ..fuzzing import fuzz_settings, mutated, scalars

BUILTIN = Path(str(builtin_rules_dir()))
PACKS = sorted(p.name for p in BUILTIN.iterdir() if (p / "pack.yaml").is_file())
DEMO = Path(pipeline.__file__).parent / "demo" / "site"
PAGES = ("index.html", "feedback/index.html", "contact/index.html", "cy/index.html")
yaml_leaves = st.none() | scalars


@functools.cache
def builtin_packs() -> dict[str, RulePack]:
    return {name: load_pack(BUILTIN / name) for name in PACKS}


@functools.cache
def demo_pages() -> list[tuple[Page, ParsedPage]]:
    pages = []
    for number, path in enumerate(PAGES):
        url = f"http://127.0.0.1:8000/{path.removesuffix('index.html')}"
        page = Page(url, url, 200, "text/html; charset=utf-8", 1000 + number, depth=1)
        pages.append((page, parse_html(url, (DEMO / path).read_text(encoding="utf-8"))))
    return pages


def yaml_files(pack: str) -> list[str]:
    return sorted(p.name for p in (BUILTIN / pack).glob("*.yaml"))


@st.composite
def changed_packs(draw: Callable[..., Any]) -> tuple[str, str, Any]:
    """A pack, one of its YAML files, and that file's content with one to three changes."""
    pack = draw(st.sampled_from(PACKS))
    name = draw(st.sampled_from(yaml_files(pack)))
    document = yaml.safe_load((BUILTIN / pack / name).read_text(encoding="utf-8"))
    return pack, name, draw(mutated(document, yaml_leaves))


@contextlib.contextmanager
def changed_copy(pack: str, name: str, content: Any, root: Path | None = None) -> Iterator[Path]:
    """A copy of ``pack`` (in ``root``, a copy of every pack, if given) with ``name`` changed."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        if root is None:
            shutil.copytree(BUILTIN / pack, base / pack)
        else:
            for each in PACKS:
                shutil.copytree(BUILTIN / each, base / each)
        text = yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
        (base / pack / name).write_text(text, encoding="utf-8")
        yield base


def use_on_pages(packs: list[RulePack]) -> list[str]:
    """What a run does with the packs: compile them, analyse pages, judge the site, score.
    The checks that failed on a page (recorded in a run as an error finding, never fatal)."""
    settings = Settings(required_languages=("cy",))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "load_packs", lambda *args, **kwargs: packs)
        checks = pipeline._Checks.load(settings)
    pages = demo_pages()
    analyser = pipeline._PageAnalyser(
        settings, checks, Scope.from_settings(settings, [pages[0][0].url])
    )
    interactions, findings = [], []
    for page, parsed in pages:
        analysis = analyser(page, parsed)
        interactions += analysis.interactions
        findings += analysis.findings
    site = analyser.site.site_findings()
    findings += analyser.site.route_findings()
    scored = score_interactions(interactions, findings, checks.weights)
    risks = score_pages(findings, scored, checks.weights, [page.url for page, _ in pages])
    score_site(risks, site, checks.weights)
    return [f"{f.rule}: {f.message}" for f in [*findings, *site] if f.outcome is Outcome.ERROR]


@fuzz_settings(120)
@given(change=changed_packs())
def test_fuzzed_pack_loads_and_works_or_is_a_rule_pack_error(change: tuple[str, str, Any]) -> None:
    pack, name, content = change
    with changed_copy(pack, name, content) as folder:
        try:
            changed = load_pack(folder / pack)
            packs = [changed if each == pack else p for each, p in builtin_packs().items()]
            packs_module._check_unique_ids(packs)
            failed = use_on_pages(packs)
            event("accepted; a check failed on the pages" if failed else "accepted and used")
        except (RulePackError, ConfigError) as error:
            assert str(folder) in str(error), str(error)  # names the file
            event(f"refused: {error.problem if isinstance(error, RulePackError) else error}"[:50])


@fuzz_settings(4)
@given(change=changed_packs())
def test_fuzzed_pack_through_the_command_line(
    monkeypatch: pytest.MonkeyPatch, change: tuple[str, str, Any]
) -> None:
    """The changed pack in place of the built-in one: ``rules test`` and a whole audit."""
    pack, name, content = change
    with changed_copy(pack, name, content, root=BUILTIN) as folder, serving(LoopbackSite()) as site:
        monkeypatch.setattr(packs_module, "builtin_rules_dir", lambda: folder)
        site.page("/", (DEMO / "feedback" / "index.html").read_text(encoding="utf-8"))
        runner = CliRunner()
        for args in (
            ["rules", "test"],
            ["audit", site.url("/"), "--no-browser", "--out", str(folder / "out")],
        ):
            result = runner.invoke(main, args, catch_exceptions=True)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                result.output
            )
            assert result.exit_code in (0, 1, 2), result.output
            if result.exit_code == 2:
                assert (
                    result.stderr.startswith("dcaudit: error: ") and result.stderr.count("\n") == 1
                )
                assert str(folder) in result.stderr
        if result.exit_code != 2:
            assert (folder / "out" / "report.html").is_file()
