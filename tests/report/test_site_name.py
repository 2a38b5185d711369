"""The report's title names the site: og:site_name, else the home page's title, else the host."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dcaudit.report import build_report_data, load_report_data, render_markdown
from dcaudit.report.site import name_from_title, site_name
from dcaudit.store import Store

from .fixture_run import FixtureRun, store_fixture_run

OG = '<html><head><meta property="og:site_name" content="  Cyngor  Enghraifft "></head></html>'


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Home - Example Council", "Example Council"),
        ("Example Council | Home", "Example Council"),
        ("Hafan – Cyngor Enghraifft", "Cyngor Enghraifft"),
        ("Example Council", "Example Council"),
        ("Home", None),
        ("   ", None),
        (None, None),
    ],
)
def test_name_from_a_home_page_title(title: str | None, name: str | None) -> None:
    assert name_from_title(title) == name


def test_og_site_name_comes_first(fixture: FixtureRun) -> None:
    assert site_name(fixture.run, fixture.pages, OG) == "Cyngor Enghraifft"
    assert site_name(fixture.run, fixture.pages, "<html></html>") == "Example Council"


def test_host_when_no_page_names_the_site(fixture: FixtureRun) -> None:
    untitled = [replace(p, title=None) for p in fixture.pages]
    assert site_name(fixture.run, untitled) == "www.example-council.gov.uk"
    two = replace(fixture.run, seeds=(*fixture.run.seeds, "https://other.example/"))
    assert site_name(two, untitled) == "www.example-council.gov.uk and 1 other site"
    assert site_name(replace(fixture.run, seeds=()), []) == "(no seed)"


def test_stored_home_page_gives_og_site_name(store: Store, fixture: FixtureRun) -> None:
    home = fixture.pages[0]
    fixture = replace(fixture, pages=fixture.pages[1:])
    run_id = store_fixture_run(store, fixture)
    store.save_page(run_id, home, body=OG)
    data = load_report_data(store, run_id)
    assert data.site_name == "Cyngor Enghraifft"
    assert render_markdown(data).startswith(
        "## dcaudit: Cyngor Enghraifft (www.example-council.gov.uk)\n"
    )


def test_markdown_title_shows_the_host_once(fixture: FixtureRun) -> None:
    untitled = [replace(p, title=None) for p in fixture.pages]
    data = build_report_data(fixture.run, untitled, [], [])
    assert render_markdown(data).startswith("## dcaudit: www.example-council.gov.uk\n")
