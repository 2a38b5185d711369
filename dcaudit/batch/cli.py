"""``dcaudit batch`` and ``dcaudit trends``: argument parsing and exit codes only."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from dcaudit.errors import DcauditError

_FORMAT_HELP = "Comma-separated: html,csv,json (default: all)."
_LIMITS = (
    (("--max-pages",), {"type": int}, "Most pages and documents per body (default 500)."),
    (("--max-depth",), {"type": int}, "Most link hops from each body's URL (default 10)."),
    (("--browser-max-pages",), {"type": int}, "Most pages per body in the browser (0: all)."),
    (("--sample-per-template",), {"type": int}, "Browser-check N pages per template per body."),
    (("--no-browser", "no_browser"), {"is_flag": True}, "Static checks only."),
    (("--delay",), {"type": float}, "Seconds between requests to one host (default 0.25)."),
    (("--required-language", "required_languages"), {"multiple": True}, "e.g. cy (repeatable)."),
    (("--config",), {"type": click.Path(dir_okay=False, path_type=Path)}, "Settings file."),
)


def _fail(error: DcauditError) -> None:
    click.echo(f"dcaudit: error: {error}", err=True)
    sys.exit(error.exit_code)


def _limit_options(func: Any) -> Any:
    for names, kwargs, help_ in reversed(_LIMITS):
        func = click.option(*names, help=help_, **kwargs)(func)
    return func


@click.command("batch")
@click.argument("bodies_file", metavar="BODIES.csv", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Output folder and store (default reports/batch).",
)
@click.option(
    "--store",
    type=click.Path(dir_okay=False),
    help="Store file (default: dcaudit.sqlite in --out).",
)
@click.option("--resume", metavar="BATCH", help="Carry on with an interrupted batch.")
@click.option("--format", "formats", default="html,csv,json", help=_FORMAT_HELP)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Dask workers on this machine, one browser each, at most one per core "
    "(default: one per core; 1: one body after another, without Dask).",
)
@click.option("--scheduler", metavar="tcp://HOST:8786", help="Audit on this Dask cluster.")
@click.option("-q", "--quiet", is_flag=True, help="Only the summary.")
@_limit_options
def batch_command(
    bodies_file: Path,
    formats: str,
    quiet: bool,
    resume: str | None,
    workers: int | None,
    scheduler: str | None,
    **options: Any,
) -> None:
    """Audit every body in BODIES.csv (name,url and any grouping columns) on one method,
    then write the comparison."""
    from dcaudit.batch.bodies import read_bodies
    from dcaudit.batch.cluster import local_workers
    from dcaudit.batch.compare import comparison
    from dcaudit.batch.job import BatchInterrupted, BatchJob
    from dcaudit.batch.runner import run_batch
    from dcaudit.config import load_settings
    from dcaudit.report.comparison import check_formats, write_comparison
    from dcaudit.stopping import sigterm_interrupts

    config = options.pop("config", None)
    if options.pop("no_browser", False):
        options["browser"] = False
    options.setdefault("out_dir", None)
    given = {k: v for k, v in options.items() if v not in (None, ())}
    given.setdefault("out_dir", "reports/batch")
    say = (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))
    try:
        wanted = check_formats(formats.split(","))
        bodies, columns = read_bodies(bodies_file)
        settings = load_settings(given, config)
        count = local_workers(workers, scheduler, say)
        job = BatchJob(bodies_file, bodies, columns, settings, resume, count, scheduler)
        with sigterm_interrupts():
            batch = run_batch(job, say)
        data = comparison(settings.store_path, batch.id)
        for path in write_comparison(data, wanted, Path(settings.out_dir)):
            click.echo(f"wrote {path}")
    except BatchInterrupted as stopped:
        click.echo(f"dcaudit: {stopped}", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("dcaudit: interrupted", err=True)
        sys.exit(130)
    except DcauditError as error:
        _fail(error)
    _print_league(data)


def _print_league(data: dict[str, Any]) -> None:
    for row in data["league"]:
        if row["ranked"]:
            low, high = row["rank_interval"]
            share = row["figures"]["two_way_share"]
            shown = "n/a" if share is None else f"{share:.0%}"
            click.echo(f"{row['rank']:>3} ({low}-{high})  {row['name']}: two-way {shown}")
        else:
            click.echo(f"  -          {row['name']}: {row['note']}")


@click.command("trends")
@click.argument("batch_id", metavar="BATCH", default="latest")
@click.option(
    "--out",
    "out_dir",
    default="reports/batch",
    type=click.Path(file_okay=False),
    help="Output folder, and the store's unless --store is given (default reports/batch).",
)
@click.option(
    "--store",
    type=click.Path(dir_okay=False),
    help="Store file (default: dcaudit.sqlite in --out).",
)
@click.option("--format", "formats", default="html,csv,json", help=_FORMAT_HELP)
def trends_command(batch_id: str, out_dir: str, store: str | None, formats: str) -> None:
    """Each body of a batch (BATCH id or 'latest') over every batch in the store."""
    from dcaudit.batch.compare import batch_dict, find_batch
    from dcaudit.batch.ledger import Ledger
    from dcaudit.batch.trends import trends_only
    from dcaudit.errors import ConfigError
    from dcaudit.report.comparison import check_formats, write_trends

    path = Path(store) if store else Path(out_dir) / "dcaudit.sqlite"
    try:
        wanted = check_formats(formats.split(","))
        if not path.is_file():
            raise ConfigError(f"no store at {path}: give --store FILE, or the --out of a batch")
        with Ledger(path) as ledger:
            batch = find_batch(ledger, batch_id)
        data: dict[str, Any] = {"schema": "dcaudit/trends/v1", "batch": batch_dict(batch)}
        data["trends"] = trends_only(path, batch)
        for written in write_trends(data, wanted, Path(out_dir)):
            click.echo(f"wrote {written}")
    except DcauditError as error:
        _fail(error)
