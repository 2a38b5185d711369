"""Command line: argument parsing, progress display and exit codes only.

Exit codes: 0 done and within thresholds, 1 thresholds failed, 2 usage or configuration
error, 3 the run itself failed.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from dcaudit import __version__
from dcaudit.config import ALL_FORMATS, Settings, load_settings
from dcaudit.errors import ConfigError, DcauditError

EXIT_OK, EXIT_THRESHOLDS, EXIT_USAGE, EXIT_RUN_FAILED = 0, 1, 2, 3

log = logging.getLogger("dcaudit")


def _fail(error: DcauditError) -> None:
    click.echo(f"dcaudit: error: {error}", err=True)
    sys.exit(error.exit_code)


def _settings(ctx_options: dict[str, Any], config: Path | None) -> Settings:
    return load_settings({k: v for k, v in ctx_options.items() if v not in (None, ())}, config)


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


def _print_summary(result: Any) -> None:
    summary = result.summary
    run = result.run
    click.echo(f"run {run.id}: {run.status.value}")
    stats = run.stats
    click.echo(
        f"pages fetched {stats.pages_fetched}, skipped by robots {stats.skipped_robots}, "
        f"out of scope {stats.out_of_scope}, errors {stats.errors}, "
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


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM takes the Ctrl-C path (whatever SIGINT handler is in force: asyncio's cancels
    # the crawl cleanly): browsers are killed, the run is kept and resumable
    signal.raise_signal(signal.SIGINT)


def _run(settings: Settings, seeds: tuple[str, ...], resume: str | None, quiet: bool) -> None:
    from dcaudit.pipeline import run_audit

    signal.signal(signal.SIGTERM, _terminate)
    try:
        with _progress_display(quiet) as progress:
            result = run_audit(
                settings,
                seeds,
                resume_run_id=resume,
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


_AUDIT_OPTIONS = [
    click.option("--max-pages", type=int, help="Most pages and documents to fetch."),
    click.option("--max-depth", type=int, help="Most link hops from a seed."),
    click.option("--concurrency", type=int, help="Requests in flight per host (default 2)."),
    click.option("--delay", type=float, help="Seconds between requests to a host."),
    click.option("--user-agent", help="User agent for requests and robots.txt."),
    click.option("--include", multiple=True, help="Only crawl URLs matching this regex."),
    click.option("--exclude", multiple=True, help="Never crawl URLs matching this regex."),
    click.option("--no-browser", "no_browser", is_flag=True, help="Static checks only."),
    click.option("--browser-max-pages", type=int, help="Most pages checked in the browser."),
    click.option("--sample-per-template", type=int, help="Browser-check N pages per template."),
    click.option("--browser-workers", type=int, help="Browsers at once (default: cores, max 2)."),
    click.option("--webdriver-url", help="Remote WebDriver (Selenium Grid) URL."),
    click.option(
        "--required-language",
        "required_languages",
        multiple=True,
        help="Language the site must offer, e.g. cy (repeatable).",
    ),
    click.option(
        "--rules", "rules_paths", multiple=True, help="Extra rule pack folder (repeatable)."
    ),
    click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder."),
    click.option("--store", type=click.Path(dir_okay=False), help="SQLite store file."),
    click.option("--format", "formats", help=f"Comma-separated: {','.join(ALL_FORMATS)}."),
    click.option(
        "--fail-on",
        multiple=True,
        help="Gate condition, e.g. 'critical>0' or 'two_way_share<0.2' (repeatable).",
    ),
    click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False, path_type=Path),
        help="dcaudit.toml or pyproject.toml to read settings from.",
    ),
    click.option("-q", "--quiet", is_flag=True, help="No progress display."),
]


def _audit_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_AUDIT_OPTIONS):
        func = option(func)
    return func


def _collect(options: dict[str, Any]) -> tuple[dict[str, Any], Path | None, bool]:
    config = options.pop("config", None)
    quiet = bool(options.pop("quiet", False))
    if options.pop("no_browser", False):
        options["browser"] = False
    return options, config, quiet


def _check_seeds(urls: tuple[str, ...]) -> None:
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(
                f"not a web address: '{url}' (give a full URL such as https://www.example.gov.uk/)"
            )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@_audit_options
def audit(urls: tuple[str, ...], resume: str | None, **options: Any) -> None:
    """Crawl and audit a site from one or more seed URLs."""
    opts, config, quiet = _collect(options)
    if not urls and not resume:
        raise click.UsageError("give at least one URL, or --resume RUN_ID")
    try:
        _check_seeds(urls)
        settings = _settings(opts, config)
        _run(settings, urls, resume, quiet)
    except DcauditError as error:
        _fail(error)


@main.command()
@_audit_options
def demo(**options: Any) -> None:
    """Serve the bundled demo council site on 127.0.0.1 and audit it."""
    from dcaudit.demo.server import DemoServer

    opts, config, quiet = _collect(options)
    # the demo site is ours and on loopback: no politeness delay; it is a Welsh council
    demo_defaults = {"out_dir": "reports/demo", "delay": 0.0, "required_languages": ("cy",)}
    for key, value in demo_defaults.items():
        if not opts.get(key):
            opts[key] = value
    try:
        settings = _settings(opts, config)
        with DemoServer() as server:
            click.echo(f"demo site serving at {server.url}", err=True)
            _run(settings, (server.url,), None, quiet)
    except DcauditError as error:
        _fail(error)


@main.command()
@click.argument("run_id", metavar="RUN")
@click.option("--format", "formats", help=f"Comma-separated: {','.join(ALL_FORMATS)}.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder.")
@click.option("--store", type=click.Path(dir_okay=False), help="SQLite store file.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path))
def report(
    run_id: str, formats: str | None, out_dir: str | None, store: str | None, config: Path | None
) -> None:
    """Re-render a stored run (RUN is a run id or 'latest')."""
    from dcaudit.pipeline import rerender

    try:
        settings = _settings({"formats": formats, "out_dir": out_dir, "store": store}, config)
        for path in rerender(settings.store_path, run_id, settings.formats, Path(settings.out_dir)):
            click.echo(f"wrote {path}")
    except DcauditError as error:
        _fail(error)


@main.command()
@click.option("--store", type=click.Path(dir_okay=False), help="SQLite store file.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Output folder.")
def runs(store: str | None, out_dir: str | None) -> None:
    """List the runs in a store."""
    from dcaudit.store import Store

    try:
        settings = _settings({"store": store, "out_dir": out_dir}, None)
        if not settings.store_path.exists():
            raise ConfigError(f"no store at {settings.store_path}")
        with Store(settings.store_path) as db:
            for run in db.list_runs():
                click.echo(
                    f"{run.id}  {run.status.value:8}  {run.started}  "
                    f"{run.stats.pages_fetched:5} pages  {' '.join(run.seeds)}"
                )
    except DcauditError as error:
        _fail(error)


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
    from dcaudit.engine.rules_cli import list_rules

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
    from dcaudit.engine.rules_cli import show_rule

    try:
        click.echo(show_rule(_packs(paths), rule_id))
    except DcauditError as error:
        _fail(error)


@rules.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False))
def rules_test(path: str | None) -> None:
    """Run every rule's examples (built-in packs plus PATH); exit 1 on any failure."""
    from dcaudit.engine.rules_cli import test_rules

    try:
        report_ = test_rules(_packs((path,) if path else ()))
    except DcauditError as error:
        _fail(error)
        return
    click.echo(report_.render())
    sys.exit(EXIT_OK if report_.ok else EXIT_THRESHOLDS)
