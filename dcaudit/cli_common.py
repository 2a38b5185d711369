"""What the command modules share: settings from the command line, and the store that a
reading command (report, runs, baseline, diff) opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dcaudit.config import Settings, load_settings
from dcaudit.errors import ConfigError


def settings_from(options: dict[str, Any], config: Path | None) -> Settings:
    """Settings with the options given on the command line (unset ones left to the layers)."""
    return load_settings({k: v for k, v in options.items() if v not in (None, ())}, config)


def existing_store(settings: Settings) -> Path:
    """The store a reading command uses (found as ``audit`` finds it); a ConfigError saying
    where it looked when there is none, so that nothing is created."""
    path = settings.store_path
    if path.is_file():
        return path
    others = "" if settings.store else ", ".join(map(str, stores_below(settings.out_dir)))
    raise ConfigError(
        f"no store at {path}"
        + (f" (found {others})" if others else "")
        + ": give --store FILE, or the --out FOLDER of an earlier audit"
    )


def stores_below(folder: str) -> list[Path]:
    return sorted(Path(folder).glob("*/dcaudit.sqlite"))
