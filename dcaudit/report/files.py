"""Writing rendered report texts into an output folder, with one clear error if it fails."""

from __future__ import annotations

from pathlib import Path

from dcaudit import killpoint
from dcaudit.errors import DcauditError


def make_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DcauditError(f"cannot create report folder {out_dir}: {exc.strerror}") from exc


def write_files(texts: dict[str, str], out_dir: Path) -> list[Path]:
    """Each text to ``out_dir / name``; the paths written, in order."""
    make_folder(out_dir)
    written = []
    for name, text in texts.items():
        path = out_dir / name
        try:
            # newline="" keeps the CSV files' CRLF row ends as the csv module wrote them
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise DcauditError(f"cannot write {path}: {exc.strerror}") from exc
        written.append(path)
        killpoint.reached("report")
    return written
