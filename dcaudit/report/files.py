"""Writing rendered report texts into an output folder, with one clear error if it fails."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from dcaudit import killpoint
from dcaudit.errors import DcauditError


def make_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DcauditError(f"cannot create report folder {out_dir}: {exc.strerror}") from exc


Writer = Callable[[TextIO], None]  # writes a report as it is made, never held whole


def write_files(texts: Mapping[str, str | Writer], out_dir: Path) -> list[Path]:
    """Each text, or what each writer writes, to ``out_dir / name``; the paths written."""
    make_folder(out_dir)
    written = []
    for name, text in texts.items():
        path = out_dir / name
        try:
            # newline="" keeps the CSV files' CRLF row ends as the csv module wrote them
            with path.open("w", encoding="utf-8", newline="") as handle:
                if isinstance(text, str):
                    handle.write(text)
                else:
                    text(handle)
        except OSError as exc:
            raise DcauditError(f"cannot write {path}: {exc.strerror}") from exc
        written.append(path)
        killpoint.reached("report")
    return written
