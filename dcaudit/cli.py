"""Command line: argument parsing, progress display and exit codes only.

Exit codes: 0 done and within thresholds, 1 thresholds failed, 2 usage or configuration
error, 3 the run itself failed.
"""

from __future__ import annotations

import logging
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from dcaudit import __version__
from dcaudit.batch.cli import batch_command, trends_command
from dcaudit.cli_changes import baseline_group, diff_command
from dcaudit.cli_common import existing_store, settings_from
from dcaudit.config import ALL_FORMATS, DEFAULT_FORMATS, Settings
from dcaudit.errors import ConfigError, DcauditError

EXIT_OK, EXIT_THRESHOLDS, EXIT_USAGE, EXIT_RUN_FAILED = 0, 1, 2, 3

log = logging.getLogger("dcaudit")


def _fail(error: DcauditError) -> None:
    # one line, whatever the message holds (a YAML parser's message spans several)
    lines = (line.strip() for line in str(error).splitlines())
    click.echo(f"dcaudit: error: {'; '.join(line for line in lines if line)}", err=True)
    sys.exit(error.exit_code)


class _OneLineUsageError(click.UsageError):
    def show(self, file: Any = None) -> None:
        click.echo(f"dcaudit: error: {self.format_message()}", err=True)


# click 8.2 on shows a bare group's help through a usage error: it stays as it is
_SHOWS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", _OneLineUsageError)


@contextmanager
def _usage_in_one_line() -> Iterator[None]:
    """Click's usage errors (an unknown option, a value that is no number) as one line like
    every other error, exit 2; a bare command still shows its help."""
    try:
        yield
    except click.UsageError as error:
        if isinstance(error, (_OneLineUsageError, _SHOWS_HELP)):
            raise
        message = " ".join(error.format_message().split("\n")).rstrip(".")
        if error.ctx is not None:
            message += f"; see '{error.ctx.command_path} --help'"
        raise _OneLineUsageError(message, error.ctx) from error


class _Main(click.Group):
    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _usage_in_one_line():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _usage_in_one_line():
            return super().invoke(ctx)


@contextmanager
def _progress_display(quiet: bool) -> Iterator[Callable[[Any], None] | None]:
    """A live bar on a terminal; plain log lines every few seconds otherwise (CI)."""
    if quiet:
        yield None
        return
    if sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("crawling", total=None)

            def show(p: Any) -> None:
                bar.update(
                    task,
                    description=(
                        f"pages {p.done}  queued {p.queued}  errors {p.errors}  "
                        f"skipped {p.skipped}  {p.rate:.1f}/s"
                    ),
                )

            yield show
        return
    last = [0.0]

    def log_line(p: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= 5 or p.queued == 0:
            last[0] = now
            click.echo(
                f"crawl: {p.done} pages, {p.queued} queued, {p.errors} errors, "
                f"{p.skipped} skipped, {p.rate:.1f} pages/s",
                err=True,
            )

    yield log_line


def _failed(summary: dict[str, Any]) -> str:
    """Why pages failed, as the headline says it: " (3 HTTP 404, 1 timeout)"."""
    from dcaudit.report.headline import failures_text

    text = failures_text(summary["pages"])
    return f" ({text})" if text else ""


def _print_summary(result: Any) -> None:
    for line in result.change_lines:  # with --baseline: new problems first, then a count
        click.echo(line)
    summary = result.summary
    run = result.run
    click.echo(f"run {run.id}: {run.status.value}")
    stats = run.stats
    click.echo(
        f"pages fetched {stats.pages_fetched}, skipped by robots {stats.skipped_robots}, "
        f"out of scope {stats.out_of_scope}, errors {stats.errors}{_failed(summary)}, "
        f"browser-checked {stats.browser_checked}"
    )
    counts = summary["interactions"]
    click.echo(
        f"interactions: {counts['total']} ({counts['distinct']} distinct; "
        + ", ".join(f"{name} {n}" for name, n in counts["by_class"].items())
        + ")"
    )
    share = summary.get("two_way_share")
    click.echo("two-way share: " + ("n/a (no interactions)" if share is None else f"{share:.0%}"))
    impacts = summary["findings"]["by_impact"]
    click.echo("violations by impact: " + ", ".join(f"{k} {v}" for k, v in impacts.items()))
    click.echo(f"site risk: {summary['risk']['site']}")
    axe = run.tool.get("axe_core")
    click.echo(f"axe-core: {axe}" if axe else "axe-core: not run")
    for note in run.notes:
        click.echo(f"note: {note}")
    for path in result.outputs:
        click.echo(f"wrote {path}")
    for failure in result.gate_failures:
        click.echo(f"FAILED: {failure}", err=True)


def _run(
    settings: Settings,
    seeds: tuple[str, ...],
    resume: str | None,
    quiet: bool,
    given: dict[str, tuple[Any, str]] | None = None,
) -> None:
    from dcaudit.pipeline import run_audit
    from dcaudit.stopping import sigterm_interrupts

    # SIGTERM stops the run as Ctrl-C does (browsers killed, the run kept and resumable),
    # also in a background job, which ignores SIGINT
    try:
        with sigterm_interrupts(), _progress_display(quiet) as progress:
            result = run_audit(
                settings,
                seeds,
                resume_run_id=resume,
                given=given,
                progress=progress,
                notify=lambda message: click.echo(message, err=True),
            )
    except KeyboardInterrupt:
        click.echo("dcaudit: interrupted", err=True)
        sys.exit(130)
    _print_summary(result)
    if any(note.startswith("interrupted") for note in result.run.notes):
        sys.exit(130)  # what was done is stored and reported; the run is not finished
    if result.gate_failures:
        sys.exit(EXIT_THRESHOLDS)


# the demo site is ours and on loopback: no politeness delay; it is a Welsh council
_DEMO_DEFAULTS: dict[str, Any] = {
    "out_dir": "reports/demo",
    "delay": 0.0,
    "required_languages": ("cy",),
}
_STORE_HELP = "SQLite store file (default: dcaudit.sqlite in the output folder)."
_FORMAT_HELP = f"Comma-separated: {','.join(ALL_FORMATS)} (default: {','.join(DEFAULT_FORMATS)})."
_CONFIG_HELP = (
    "Settings file (default: dcaudit.toml, else [tool.dcaudit] in pyproject.toml, "
    "in the current folder)."
)
# (declarations, click arguments, help); {name} in a help is that setting's default. Values
# stay None unless given, so config files and the environment apply underneath.
_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any], str], ...] = (
    (
        ("--max-pages",),
        {"type": int},
        "Most pages and documents to fetch ({max_pages}; 0: no limit).",
    ),
    (
        ("--max-depth",),
        {"type": int},
        "Most link hops from a seed ({max_depth}; 0: the seeds only).",
    ),
    (("--concurrency",), {"type": int}, "Requests in flight per host ({concurrency})."),
    (
        ("--delay",),
        {"type": float},
        "Seconds between requests to a host ({delay}; a larger robots.txt Crawl-delay wins).",
    ),
    (("--user-agent",), {}, "User agent for requests and robots.txt ({user_agent})."),
    (
        ("--include",),
        {"multiple": True},
        "Only crawl URLs matching this regex (repeatable; default: every URL on the seeds' hosts).",
    ),
    (("--exclude",), {"multiple": True}, "Never crawl URLs matching this regex (repeatable)."),
    (
        ("--no-browser", "no_browser"),
        {"is_flag": True},
        "Static checks only (default: axe-core in Chromium too).",
    ),
    (
        ("--allow-private-addresses",),
        {"is_flag": True, "default": None},
        "Let host names resolve to private, loopback or link-local addresses, to audit an "
        "internal site (default: refused; hosts given as 127.0.0.1 or localhost always work).",
    ),
    (
        ("--browser-max-pages",),
        {"type": int},
        "Most pages checked in the browser ({browser_max_pages}; 0: every HTML page).",
    ),
    (
        ("--sample-per-template",),
        {"type": int},
        "Browser-check N pages per template ({sample_per_template}; 0: no sampling).",
    ),
    (
        ("--browser-workers",),
        {"type": int},
        "Browsers at once ({browser_workers}; 0: one per core, at most 2).",
    ),
    (
        ("--webdriver-url",),
        {},
        "Remote WebDriver (Selenium Grid) URL (default: a local chromedriver).",
    ),
    (
        ("--required-language", "required_languages"),
        {"multiple": True},
        "Language the site must offer, e.g. cy (repeatable; {required_languages}).",
    ),
    (("--rules", "rules_paths"), {"multiple": True}, "Extra rule pack folder (repeatable)."),
    (("--out", "out_dir"), {"type": click.Path(file_okay=False)}, "Output folder ({out_dir})."),
    (("--store",), {"type": click.Path(dir_okay=False)}, _STORE_HELP),
    (("--format", "formats"), {}, _FORMAT_HELP),
    (
        ("--fail-on",),
        {"multiple": True},
        "Gate condition, e.g. 'critical>0' or 'two_way_share<0.2' "
        "(repeatable; default: none, only report).",
    ),
    (
        ("--baseline",),
        {"type": click.Path(dir_okay=False)},
        "Baseline file (dcaudit baseline save): report what is new, fixed and lost since, "
        "for conditions such as 'new>0' (default: none).",
    ),
    (("--config",), {"type": click.Path(dir_okay=False, path_type=Path)}, _CONFIG_HELP),
    (("-q", "--quiet"), {"is_flag": True}, "No progress display."),
)


def _shown_defaults(over: dict[str, Any]) -> dict[str, str]:
    """Every setting's default as help text shows it, with ``over`` replacing some."""
    shown = {}
    for name, value in {**Settings().to_dict(), **over}.items():
        if isinstance(value, list | tuple):
            value = ",".join(value) or "none"
        shown[name] = f"default {value:g}" if isinstance(value, float) else f"default {value}"
    return shown


def _audit_options(over: dict[str, Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a command with the audit options, their helps showing the defaults."""
    defaults = _shown_defaults(over)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for names, kwargs, help_ in reversed(_OPTIONS):
            func = click.option(*names, help=help_.format_map(defaults), **kwargs)(func)
        return func

    return decorate


def _collect(options: dict[str, Any]) -> tuple[dict[str, Any], Path | None, bool]:
    config = options.pop("config", None)
    quiet = bool(options.pop("quiet", False))
    if options.pop("no_browser", False):
        options["browser"] = False
    return options, config, quiet


def _check_seeds(urls: tuple[str, ...]) -> None:
    """Refuse a seed that cannot be crawled before anything is stored."""
    from dcaudit.crawl.frontier import seed_problem

    for url in urls:
        problem = seed_problem(url)
        if problem is None and urlsplit(url.strip()).port == 0:
            problem = "port 0 cannot be connected to"
        if problem is not None:
            raise ConfigError(
                f"not a web address: {url!r}: {problem}; "
                "give a full URL such as https://www.example.gov.uk/"
            )


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dcaudit")
@click.option("-v", "--verbose", is_flag=True, help="Log what each stage does.")
def main(verbose: bool) -> None:
    """Audit public-service websites for digital co-production and digital exclusion."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.argument("urls", nargs=-1)
@click.option("--resume", metavar="RUN_ID", help="Resume an interrupted run from the store.")
@_audit_options({})
def audit(urls: tuple[str, ...], resume: str | None, **options: Any) -> None:
    """Crawl and audit a site from one or more seed URLs."""
    opts, config, quiet = _collect(options)
    if not urls and not resume:
        raise click.UsageError("give at least one URL, or --resume RUN_ID")
    try:
        given = None
        if resume:
            given = _resume_layers(urls, opts, config)
        _check_seeds(urls)
        settings = settings_from(opts, config)
        if resume:
            existing_store(settings)
        _run(settings, urls, resume, quiet, given)
    except DcauditError as error:
        _fail(error)


def _resume_layers(
    urls: tuple[str, ...], opts: dict[str, Any], config: Path | None
) -> dict[str, tuple[Any, str]]:
    """The settings given with --resume, with where each came from; URLs are refused."""
    from dcaudit.config import settings_layers

    if urls:
        raise ConfigError(
            f"give URLs or --resume, not both: a resumed run keeps its seeds ({' '.join(urls)})"
        )
    return settings_layers({k: v for k, v in opts.items() if v not in (None, ())}, config)


@main.command()
@_audit_options(_DEMO_DEFAULTS)
def demo(**options: Any) -> None:
    """Serve the bundled demo council site on 127.0.0.1 and audit it."""
    from dcaudit.demo.server import DemoServer

    opts, config, quiet = _collect(options)
    for key, value in _DEMO_DEFAULTS.items():
        if not opts.get(key):
            opts[key] = value
    try:
        settings = settings_from(opts, config)
        with DemoServer() as server:
            click.echo(f"demo site serving at {server.url}", err=True)
            _run(settings, (server.url,), None, quiet)
    except DcauditError as error:
        _fail(error)


_STORE_OPTION = click.option("--store", type=click.Path(dir_okay=False), help=_STORE_HELP)
_CONFIG_OPTION = click.option(
    "--config", type=click.Path(dir_okay=False, path_type=Path), help=_CONFIG_HELP
)


def _out_option(help_: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    folder = click.Path(file_okay=False)
    return click.option(
        "--out", "out_dir", type=folder, help=f"{help_} (default {Settings.out_dir})."
    )


@main.command()
@click.argument("run_id", metavar="RUN")
@click.option("--format", "formats", help=_FORMAT_HELP)
@_out_option("Output folder, and the store's unless --store is given")
@_STORE_OPTION
@_CONFIG_OPTION
def report(
    run_id: str, formats: str | None, out_dir: str | None, store: str | None, config: Path | None
) -> None:
    """Re-render a stored run (RUN is a run id or 'latest')."""
    from dcaudit.pipeline import rerender

    try:
        settings = settings_from({"formats": formats, "out_dir": out_dir, "store": store}, config)
        path = existing_store(settings)
        for written in rerender(path, run_id, settings.formats, Path(settings.out_dir)):
            click.echo(f"wrote {written}")
    except DcauditError as error:
        _fail(error)


@main.command()
@_STORE_OPTION
@_out_option("Output folder of the audits whose store to read")
@_CONFIG_OPTION
def runs(store: str | None, out_dir: str | None, config: Path | None) -> None:
    """List the runs in a store."""
    from dcaudit.resume import reclaim_abandoned
    from dcaudit.store import Store

    try:
        settings = settings_from({"store": store, "out_dir": out_dir}, config)
        with Store(existing_store(settings), create=False) as db:
            reclaim_abandoned(db)  # a run whose process was killed is shown as interrupted
            for run in db.list_runs():
                click.echo(
                    f"{run.id}  {run.status.value:8}  {run.started}  "
                    f"{run.stats.pages_fetched:5} pages  {' '.join(run.seeds)}"
                )
    except DcauditError as error:
        _fail(error)


main.add_command(baseline_group)
main.add_command(diff_command)


main.add_command(batch_command)
main.add_command(trends_command)


@main.group()
def rules() -> None:
    """List, show and test the rule packs."""


def _packs(paths: tuple[str, ...]) -> Any:
    from dcaudit.engine.packs import load_packs

    return load_packs(paths)


@rules.command("list")
@click.option("--rules", "paths", multiple=True, help="Extra rule pack folder.")
def rules_list(paths: tuple[str, ...]) -> None:
    """Every rule with its pack and status."""
    from dcaudit.cli_rules import list_rules

    try:
        packs = _packs(paths)
        for pack in packs:
            click.echo(f"{pack.name} {pack.version} ({pack.kind}): {pack.description}")
        for row in list_rules(packs):
            click.echo(f"  {row.id}  {row.pack:16}  {row.status:10}  {row.title}")
    except DcauditError as error:
        _fail(error)


@rules.command("show")
@click.argument("rule_id")
@click.option("--rules", "paths", multiple=True, help="Extra rule pack folder.")
def rules_show(rule_id: str, paths: tuple[str, ...]) -> None:
    """A rule's documentation and examples."""
    from dcaudit.cli_rules import show_rule

    try:
        packs = _packs(paths)
        shown = show_rule(packs, rule_id)
    except DcauditError as error:
        _fail(error)
        return
    # show_rule squeezes each example onto one line; print them as they are written instead
    click.echo(shown.partition("\n\nExamples:\n")[0])
    wanted = rule_id.strip().upper()  # the rule show_rule found: the first with that id
    rule = next(r for pack in packs for r in pack.rules if r.id == wanted)
    click.echo(_rule_examples(rule.id, Path(rule.example_file)), nl=False)


def _rule_examples(rule_id: str, path: Path) -> str:
    """The rule's examples from its example file, each as written there, indented."""
    import lxml.html

    from dcaudit.engine.packs import find_examples

    if not path.is_file():
        return ""
    root = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
    text = ""
    for example in find_examples(root):
        if example.rule_id == rule_id:
            mark = "expect" if example.expect else "ok"
            source = textwrap.indent(_example_source(example.element), "    ")
            text += f"  {mark} (line {example.line}):\n{source}\n"
    return f"\nExamples from {path.name}:\n{text}" if text else ""


def _example_source(element: Any) -> str:
    """An example element's HTML with its line breaks and indentation (dedented); a
    ``<textarea data-page>`` shows the page inside it as its source, not escaped."""
    import lxml.html

    html = lxml.html.tostring(element, encoding="unicode", with_tail=False)
    if element.tag == "textarea":
        html = html.partition(">")[0] + ">" + (element.text or "") + "</textarea>"
    before = element.getprevious()
    lead = (before.tail if before is not None else element.getparent().text) or ""
    indent = lead.rpartition("\n")[2]
    # the first line needs its indentation back to dedent the rest; a page inside a
    # textarea is written from column 0, so the first line may keep some: drop it
    text = textwrap.dedent((indent if not indent.strip() else "") + html)
    first, newline, rest = text.partition("\n")
    return first.lstrip() + newline + rest


_CORPUS = click.argument("corpus", type=click.Path(exists=True, file_okay=False, path_type=Path))
_LABELS = click.option(
    "--labels",
    "labels_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of label files (default: labels/real in the repository).",
)


@rules.command("train")
@_CORPUS
@_LABELS
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Weights file.")
def rules_train(corpus: Path, labels_dir: Path | None, out: Path | None) -> None:
    """Fit the classification weights on the labelled pages in CORPUS (needs dcaudit[train])."""
    from dcaudit.classify import fitting
    from dcaudit.demo.labels import labelled_site

    try:
        out = out or fitting.WEIGHTS_PATH
        click.echo(fitting.train(corpus, labelled_site(), out, labels_dir or fitting.LABELS_DIR))
    except DcauditError as error:
        _fail(error)


@rules.command("eval")
@_CORPUS
@_LABELS
@click.option(
    "--mistakes",
    is_flag=True,
    help="Also list every labelled form, document and contact route decided otherwise.",
)
def rules_eval(corpus: Path, labels_dir: Path | None, mistakes: bool) -> None:
    """Score the classification on CORPUS, each source held out (needs dcaudit[train])."""
    from dcaudit.classify import fitting
    from dcaudit.demo.labels import labelled_site

    try:
        labels = labels_dir or fitting.LABELS_DIR
        click.echo(fitting.evaluate(corpus, labelled_site(), labels, mistakes=mistakes))
    except DcauditError as error:
        _fail(error)


@rules.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def rules_test(path: str | None) -> None:
    """Run every rule's examples (built-in packs plus PATH); exit 1 on any failure."""
    from dcaudit.cli_rules import test_rules

    try:
        report_ = test_rules(_packs((path,) if path else ()))
    except DcauditError as error:
        _fail(error)
        return
    click.echo(report_.render())
    sys.exit(EXIT_OK if report_.ok else EXIT_THRESHOLDS)
