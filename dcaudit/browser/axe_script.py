"""Find and load axe-core 4.x (``axe.min.js``) for the browser pass.

Search order: ``Settings.axe_path``; the ``DCAUDIT_AXE_PATH`` environment variable;
``node_modules/axe-core/axe.min.js`` in the current directory and its parents; the same
under the parents of the dcaudit package directory (editable and development installs);
finally the global npm root (``npm root -g``).

The 2018 copy bundled inside axe-selenium-python is never used: it predates WCAG 2.1/2.2
rules and many fixes, so a path inside that package is refused.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import dcaudit
from dcaudit.config import Settings
from dcaudit.errors import BrowserUnavailable

AXE_RELATIVE_PATH = Path("node_modules") / "axe-core" / "axe.min.js"
AXE_ENV_VAR = "DCAUDIT_AXE_PATH"
REQUIRED_MAJOR = 4
INSTALL_HINT = (
    "install it with `npm install axe-core` in the project folder "
    "(or set axe_path / DCAUDIT_AXE_PATH to an axe.min.js of axe-core 4.x)"
)
_BANNER_VERSION = re.compile(r"axe v(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class AxeScript:
    path: Path
    source: str
    version: str  # as declared by the file (banner or package.json); the page reports its own


def find_axe_path(
    settings: Settings,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path:
    """The axe.min.js to use; raises BrowserUnavailable saying how to install it."""
    env = os.environ if environ is None else environ
    for explicit, origin in (
        (settings.axe_path, "axe_path"),
        (env.get(AXE_ENV_VAR, ""), AXE_ENV_VAR),
    ):
        if explicit:
            path = Path(explicit).expanduser()
            if not path.is_file():
                raise BrowserUnavailable(
                    f"axe-core not found at {path} (from {origin}); {INSTALL_HINT}"
                )
            return path
    for candidate in _search_candidates(cwd or Path.cwd()):
        if candidate.is_file():
            return candidate
    raise BrowserUnavailable(
        f"axe-core (node_modules/axe-core/axe.min.js) not found; {INSTALL_HINT}"
    )


def _search_candidates(cwd: Path) -> Iterator[Path]:
    for folder in (cwd, *cwd.parents):
        yield folder / AXE_RELATIVE_PATH
    package_dir = Path(dcaudit.__file__).resolve().parent
    for folder in package_dir.parents:
        yield folder / AXE_RELATIVE_PATH
    npm_root = _npm_global_root()
    if npm_root is not None:
        yield npm_root / "axe-core" / "axe.min.js"


def _npm_global_root() -> Path | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    try:
        done = subprocess.run(
            [npm, "root", "-g"], capture_output=True, text=True, timeout=15, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    root = done.stdout.strip()
    return Path(root) if done.returncode == 0 and root else None


def load_axe(
    settings: Settings,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> AxeScript:
    """Find, read and vet axe.min.js (read once per path and modification time)."""
    path = find_axe_path(settings, cwd=cwd, environ=environ).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise BrowserUnavailable(f"cannot read axe-core at {path}: {exc.strerror}") from exc
    return _read_axe(path, stamp)


@lru_cache(maxsize=4)
def _read_axe(path: Path, stamp: int) -> AxeScript:
    del stamp  # part of the cache key only: a reinstalled axe-core is read again
    if "axe_selenium_python" in path.parts:
        raise BrowserUnavailable(
            f"{path} is the outdated copy bundled with axe-selenium-python; {INSTALL_HINT}"
        )
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BrowserUnavailable(f"cannot read axe-core at {path}: {exc}") from exc
    version = _declared_version(path, source)
    if version is None or int(version.split(".")[0]) != REQUIRED_MAJOR:
        raise BrowserUnavailable(
            f"{path} is not axe-core {REQUIRED_MAJOR}.x (found {version or 'no version'}); "
            f"{INSTALL_HINT}"
        )
    return AxeScript(path=path, source=source, version=version)


def _declared_version(path: Path, source: str) -> str | None:
    banner = _BANNER_VERSION.search(source[:400])
    if banner:
        return ".".join(banner.groups())
    try:
        manifest = json.loads((path.parent / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) and re.match(r"\d+\.", version) else None
