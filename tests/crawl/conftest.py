"""Crawler fixtures: a loopback site, a fake clock, a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dcaudit.store import Store

from .fakes import FakeClock, LoopbackSite, serving


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with serving(LoopbackSite()) as served:
        yield served


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "crawl.sqlite") as opened:
        yield opened
