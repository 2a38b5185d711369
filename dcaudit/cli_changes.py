"""Commands about change: ``dcaudit baseline save|update`` and ``dcaudit diff``.

Kept apart from :mod:`dcaudit.cli`, which registers them; the store lookup and error
handling are the same as ``dcaudit report`` uses.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dcaudit.baseline import DEFAULT_FILE, Baseline, baseline_of, read_baseline, write_baseline
from dcaudit.cli_common import existing_store, settings_from
from dcaudit.errors import ConfigError, DcauditError

RUN_HELP = "a run id, 'latest' or 'previous' (the one before the latest)"
_FILE = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_FILE,
    show_default=True,
    help="Baseline file.",
)


def _store_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--config", type=click.Path(dir_okay=False, path_type=Path), help="Settings file."
    )(func)
    func = click.option(
        "--out", "out_dir", type=click.Path(file_okay=False), help="Output folder of the audit."
    )(func)
    return click.option(
        "--store",
        type=click.Path(dir_okay=False),
        help="SQLite store file (default: dcaudit.sqlite in the output folder).",
    )(func)


def _fail(error: DcauditError) -> None:
    click.echo(f"dcaudit: error: {error}", err=True)
    sys.exit(error.exit_code)


def _open_store(store: str | None, out_dir: str | None, config: Path | None) -> Any:
    from dcaudit.store import Store

    settings = settings_from({"store": store, "out_dir": out_dir}, config)
    return Store(existing_store(settings), create=False)


def resolve_run(db: Any, ref: str) -> str:
    """A run id from ``ref``: an id, 'latest' or 'previous'."""
    if ref not in ("latest", "previous"):
        return str(db.get_run(ref).id)
    runs = db.list_runs()
    wanted = 1 if ref == "latest" else 2
    if len(runs) < wanted:
        raise ConfigError(f"no {ref} run in {db.path} ({len(runs)} run(s) stored)")
    return str(runs[-wanted].id)


def _baseline_of_run(db: Any, ref: str) -> Baseline:
    from dcaudit.report.data import load_report_data

    data = load_report_data(db, resolve_run(db, ref))
    return baseline_of(data.run, data.pages, list(data.interactions), list(data.findings))


@click.group("baseline")
def baseline_group() -> None:
    """Save or update the baseline that --baseline compares with."""


@baseline_group.command("save")
@click.argument("run_ref", metavar="[RUN]", default="latest", required=False)
@_FILE
@click.option("--force", is_flag=True, help="Replace an existing file.")
@_store_options
def baseline_save(
    run_ref: str,
    path: Path,
    force: bool,
    store: str | None,
    out_dir: str | None,
    config: Path | None,
) -> None:
    """Write the baseline of a stored run (RUN: a run id, 'latest' or 'previous')."""
    try:
        if path.exists() and not force:
            raise ConfigError(
                f"{path} exists: dcaudit baseline update accepts the current state into it "
                "(or give --force to replace it)"
            )
        with _open_store(store, out_dir, config) as db:
            baseline = _baseline_of_run(db, run_ref)
        write_baseline(path, baseline)
        click.echo(
            f"wrote {path}: run {baseline.run}, {len(baseline.findings)} findings, "
            f"{len(baseline.interactions)} interactions, {len(baseline.pages)} pages"
        )
    except DcauditError as error:
        _fail(error)


@baseline_group.command("update")
@click.argument("run_ref", metavar="[RUN]", default="latest", required=False)
@_FILE
@_store_options
def baseline_update(
    run_ref: str, path: Path, store: str | None, out_dir: str | None, config: Path | None
) -> None:
    """Accept a stored run's state into the baseline file (RUN: default 'latest'); says
    what it accepted. Hand-added 'expires' and 'note' stay on entries still there."""
    from dcaudit.baseline import carry_annotations
    from dcaudit.diff import compare
    from dcaudit.report.changes import count_line
    from dcaudit.report.data import load_report_data

    try:
        old = read_baseline(path)
        with _open_store(store, out_dir, config) as db:
            # the run's records are read from the store as they are used: keep it open
            data = load_report_data(db, resolve_run(db, run_ref))
            pages, interactions = list(data.pages), list(data.interactions)
            findings = list(data.findings)
        changes = compare(old, data.run, pages, interactions, findings)
        new = carry_annotations(old, baseline_of(data.run, pages, interactions, findings))
        write_baseline(path, new)
        click.echo(f"accepted into {path}: {count_line(changes)}")
        if changes.expired:
            click.echo(
                f"note: {len(changes.expired)} entries are past their 'expires' date and stay "
                "so: change or remove the date to accept them again"
            )
    except DcauditError as error:
        _fail(error)


@click.command("diff")
@click.argument("run_a", metavar="RUN_A")
@click.argument("run_b", metavar="RUN_B", default="latest", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json", "text"]),
    default="md",
    show_default=True,
    help="Markdown sized for a pull-request comment, JSON, or terminal lines.",
)
@click.option("--report-url", help="Link to the full report in the Markdown.")
@click.option(
    "--fail-on",
    multiple=True,
    help="Gate condition on RUN_B and the difference, e.g. 'new>0' (repeatable).",
)
@_store_options
def diff_command(
    run_a: str,
    run_b: str,
    fmt: str,
    report_url: str | None,
    fail_on: tuple[str, ...],
    store: str | None,
    out_dir: str | None,
    config: Path | None,
) -> None:
    """What changed from RUN_A to RUN_B (each a run id, 'latest' or 'previous'; RUN_A may
    be a baseline file): new and fixed findings, interactions that appeared, vanished or
    changed class, pages added and removed, risk before and after."""
    try:
        failures = _diff(run_a, run_b, fmt, report_url, fail_on, (store, out_dir, config))
    except DcauditError as error:
        _fail(error)
        return
    for failure in failures:
        click.echo(f"FAILED: {failure}", err=True)
    sys.exit(1 if failures else 0)


def _diff(
    run_a: str,
    run_b: str,
    fmt: str,
    report_url: str | None,
    fail_on: tuple[str, ...],
    where: tuple[str | None, str | None, Path | None],
) -> list[str]:
    from dcaudit.diff import compare
    from dcaudit.gate import evaluate, parse_conditions
    from dcaudit.report.changes import changes_dict, changes_markdown, terminal_lines
    from dcaudit.report.data import load_report_data, with_changes

    gate = parse_conditions(fail_on)
    with _open_store(*where) as db:
        is_file = run_a.endswith(".json") and Path(run_a).is_file()
        before = read_baseline(Path(run_a)) if is_file else _baseline_of_run(db, run_a)
        data = load_report_data(db, resolve_run(db, run_b))
        pages, interactions = list(data.pages), list(data.interactions)
        findings = list(data.findings)
        summary = data.summary
    changes = compare(before, data.run, pages, interactions, findings)
    data = with_changes(data, changes)
    if fmt == "json":
        click.echo(json.dumps(changes_dict(changes), indent=2, ensure_ascii=False))
    elif fmt == "text":
        click.echo("\n".join(terminal_lines(changes, data.rules)))
    else:
        title = f"Changes from {before.run} to {data.run.id}"
        click.echo("\n".join(changes_markdown(changes, data.rules, report_url, title)), nl=False)
    return evaluate(gate, summary, changes) if gate else []
