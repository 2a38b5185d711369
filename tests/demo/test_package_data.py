"""The demo site ships inside the package: reachable through importlib.resources, and declared."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import ModuleType

import pytest

from dcaudit.demo import ground_truth_path, site_root

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = (
    "residents-parking-permit-application.pdf",
    "recycling-review-2025-summary-of-responses.pdf",
)
# files used only by developers, not at run time
NOT_PACKAGE_DATA = {"README.md"}


def walk(folder: Traversable, prefix: str = "") -> list[str]:
    found = []
    for child in folder.iterdir():
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            found.extend(walk(child, f"{prefix}{child.name}/"))
        else:
            found.append(prefix + child.name)
    return found


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """setuptools package-data glob: ** spans folders, * stays within one."""
    parts = [
        ".*" if p == "**" else re.escape(p).replace(r"\*", "[^/]*") for p in pattern.split("/")
    ]
    return re.compile("^" + "/".join(parts).replace(".*/", "(?:.*/)?") + "$")


def test_site_files_are_reachable_through_importlib_resources() -> None:
    root = files("dcaudit.demo") / "site"
    for name in ("index.html", "404.html", "robots.txt", "sitemap.xml", "assets/style.css"):
        assert root.joinpath(*name.split("/")).is_file(), name
        assert (
            site_root().joinpath(*name.split("/")).read_bytes()
            == root.joinpath(*name.split("/")).read_bytes()
        )
    for document in DOCUMENTS:
        assert (site_root() / "documents" / document).read_bytes().startswith(b"%PDF-")
    assert ground_truth_path().is_file()
    assert (files("dcaudit.demo") / "seed.yaml").is_file()


def test_every_demo_data_file_is_declared_as_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = [
        glob_to_regex(p) for p in config["tool"]["setuptools"]["package-data"]["dcaudit.demo"]
    ]
    data_files = [name for name in walk(files("dcaudit.demo")) if not name.endswith(".py")]
    assert len(data_files) > 50
    for name in data_files:
        if name not in NOT_PACKAGE_DATA:
            assert any(p.match(name) for p in patterns), f"{name} would not ship in the wheel"


def load_pdf_script(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    path = REPO / "scripts" / "make_demo_pdf.py"
    spec = importlib.util.spec_from_file_location("make_demo_pdf", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_demo_pdf", module)  # dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_committed_pdfs_are_what_the_script_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    script = load_pdf_script(monkeypatch)
    documents = site_root() / "documents"
    assert documents.joinpath(DOCUMENTS[0]).read_bytes() == script.parking_permit_form()
    assert documents.joinpath(DOCUMENTS[1]).read_bytes() == script.recycling_summary()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_pdf_cross_reference_table_points_at_every_object(name: str) -> None:
    data = (site_root() / "documents" / name).read_bytes()
    assert data.startswith(b"%PDF-1.7\n")
    assert data.endswith(b"%%EOF\n")
    startxref = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert data[startxref:].startswith(b"xref\n")
    header, *rows = data[startxref:].split(b"trailer", 1)[0].splitlines()[1:]
    first, count = (int(n) for n in header.split())
    assert (first, count) == (0, len(rows))
    for number, row in enumerate(rows[1:], start=1):
        offset = int(row[:10])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), (name, number)
    assert b"/Root 1 0 R" in data and b"/Size %d" % count in data


def test_permit_form_pdf_has_fillable_fields_and_a_return_address() -> None:
    data = (site_root() / "documents" / DOCUMENTS[0]).read_bytes()
    assert b"/AcroForm" in data
    assert data.count(b"/FT /Tx") >= 8
    assert b"Post the completed form to" in data
    summary = (site_root() / "documents" / DOCUMENTS[1]).read_bytes()
    assert b"/AcroForm" not in summary  # a report to read, not a form
