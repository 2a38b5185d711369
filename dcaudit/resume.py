"""Resuming a stored run with the settings it began with.

A run's settings are stored with it. A resume uses them, so the pages it fetches and the
checks it runs are the ones the run began with. Settings that only say where things go
or how the outcome is judged (``SAFE_ON_RESUME``) may change, and the report says so; a
command-line flag that would change any other setting is refused, naming it. Values from a
config file or the environment that differ are set aside with a notice: they were meant
for new runs.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from dcaudit.config import Settings, coerce
from dcaudit.errors import ConfigError
from dcaudit.models import Run, RunStatus
from dcaudit.owner import current_owner, owner_alive
from dcaudit.store import Store

# outputs, the gate, and where the browser programs are: none of them changes what is
# fetched or found
SAFE_ON_RESUME = frozenset(
    {
        "out_dir",
        "store",
        "formats",
        "fail_on",
        "baseline",
        "junit_impact",
        "chromium_path",
        "chromedriver_path",
        "webdriver_url",
    }
)
_NAMES = frozenset(f.name for f in fields(Settings))


@dataclass(frozen=True)
class Resumed:
    settings: Settings
    notes: tuple[str, ...]  # for the report: safe settings that changed
    set_aside: tuple[str, ...]  # for the user: config or environment values not applied


def stored_settings(stored: Mapping[str, Any]) -> Settings:
    """The settings a run began with. Keys this version does not know are left out;
    settings added since take their defaults."""
    values = {
        key: coerce(key, value, "the run's stored settings")
        for key, value in stored.items()
        if key in _NAMES
    }
    return Settings(**values)


def resume_settings(stored: Mapping[str, Any], given: Mapping[str, tuple[Any, str]]) -> Resumed:
    """The stored settings with the safe ones given now applied; ConfigError naming every
    command-line flag that would change another one."""
    base = stored_settings(stored)
    changes: dict[str, Any] = {}
    notes: list[str] = []
    refused: list[str] = []
    set_aside: list[str] = []
    for key, (value, origin) in sorted(given.items()):
        before = getattr(base, key)
        if value == before:
            continue
        if key in SAFE_ON_RESUME:
            changes[key] = value
            notes.append(f"resumed with {key} {shown(value)} (the run began with {shown(before)})")
        elif origin.startswith("option "):
            refused.append(_flag(key, value, origin, before))
        else:
            set_aside.append(f"{key} from {origin}")
    if refused:
        raise ConfigError(
            "a resumed run keeps the settings it began with: "
            + "; ".join(refused)
            + "; drop the flag, or start a new run to change it"
        )
    settings = Settings(**{**{f: getattr(base, f) for f in _NAMES}, **changes})
    return Resumed(settings, tuple(notes), tuple(set_aside))


def _flag(key: str, value: Any, origin: str, before: Any) -> str:
    if key == "browser":  # given as --no-browser
        return "option --no-browser (the run has the browser pass on)"
    return f"{origin} {shown(value)} (the run has {shown(before)})"


def resume_command(run_id: str, settings: Settings) -> str:
    """The command that resumes ``run_id``, naming the store when it is not the default."""
    where = ""
    if settings.store:
        where = f" --store {shlex.quote(settings.store)}"
    elif settings.out_dir != Settings.out_dir:
        where = f" --out {shlex.quote(settings.out_dir)}"
    return f"dcaudit audit --resume {run_id}{where}"


def reclaim_abandoned(store: Store) -> list[str]:
    """Mark every run whose process has gone (killed, crashed) as interrupted and
    resumable; the ids of the runs marked."""
    marked = []
    for run_id, owner in store.owners().items():
        if owner_alive(owner) is not False:
            continue
        run = store.get_run(run_id)
        note = (
            f"interrupted: the process running it (pid {owner.get('pid')}) ended without "
            f"finishing; resume with {resume_command(run_id, _settings_or_defaults(run))}"
        )
        notes = tuple(dict.fromkeys((*run.notes, note)))
        store.save_run(replace(run, status=RunStatus.PARTIAL, notes=notes))
        store.set_owner(run_id, None)
        marked.append(run_id)
    return marked


def claim(store: Store, run: Run) -> None:
    """Record this process as the one running ``run``; ConfigError when another live
    process already runs it."""
    owner = store.owners().get(run.id)
    if run.status is RunStatus.RUNNING and owner is not None and owner_alive(owner):
        raise ConfigError(
            f"run {run.id} is still running (process {owner.get('pid')}): "
            "stop that process first, or wait for it to finish"
        )
    store.set_owner(run.id, current_owner())


def _settings_or_defaults(run: Run) -> Settings:
    try:
        return stored_settings(run.settings)
    except ConfigError:
        return Settings()


def shown(value: Any) -> str:
    """A setting's value as a person would write it on the command line."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ",".join(map(str, value)) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    if value == "":
        return "none"
    return str(value)


__all__ = [
    "SAFE_ON_RESUME",
    "Resumed",
    "claim",
    "reclaim_abandoned",
    "resume_command",
    "resume_settings",
    "shown",
    "stored_settings",
]
