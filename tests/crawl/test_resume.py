"""A crawl killed with SIGKILL mid-run resumes without losing or refetching a stored page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dcaudit.config import Settings
from dcaudit.store import Store

from .fakes import LoopbackSite, Reply, new_run, run_crawl

# the child: one crawl on the store file, one request at a time, no politeness delay
CHILD = """
import asyncio, sys
from dcaudit.config import Settings
from dcaudit.crawl import crawl
from dcaudit.store import Store

store = Store(sys.argv[1])
settings = Settings(delay=0, concurrency=1, use_sitemaps=False)
asyncio.run(crawl(settings, store, sys.argv[2], [sys.argv[3]]))
"""


def links(*paths: str) -> str:
    return "<html><body>" + "".join(f'<a href="{p}">{p}</a>' for p in paths) + "</body></html>"


def test_crawl_resumes_after_sigkill_without_loss_or_refetch(
    site: LoopbackSite, tmp_path: Path
) -> None:
    release = site.blocker()
    site.page("/", links("/a", "/b", "/block", "/c", "/d"))
    site.page("/a", links("/a1"))
    site.page("/b", "b")
    site.add("/block", Reply(body=links("/e").encode(), wait=release))
    site.page("/c", links("/c1"))
    site.page("/d", "d")
    site.page("/a1", "a1")
    site.page("/c1", "c1")
    site.page("/e", "e")
    blocked = site.when_requested("/block")
    path = tmp_path / "resume.sqlite"
    with Store(path) as store:
        run_id = new_run(store, seeds=(site.url("/"),))

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), run_id, site.url("/")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        reached = blocked.wait(timeout=60)
        child.kill()  # SIGKILL: no cleanup of any kind in the child
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert reached, f"the child never requested /block: {stderr.decode(errors='replace')}"
    assert child.returncode == -9
    release.set()
    killed_at = len(site.log)

    with Store(path) as store:
        stored_before = {p.url.removeprefix(site.base) for p in store.pages(run_id)}
        assert stored_before == {"/", "/a", "/b"}
        report = run_crawl(
            store,
            [site.url("/")],
            settings=Settings(delay=0, concurrency=1, use_sitemaps=False),
            run_id=run_id,
        )
        pages = [p.url.removeprefix(site.base) for p in store.pages(run_id)]

    assert not report.interrupted
    reachable = {"/", "/a", "/b", "/block", "/c", "/d", "/a1", "/c1", "/e"}
    assert sorted(pages) == sorted(reachable)  # every reachable page, each stored once
    after = [p for p in site.log[killed_at:] if p != "/robots.txt"]
    assert not set(after) & stored_before  # nothing stored before the kill was asked for again
    assert sorted(after) == sorted(reachable - stored_before)
    assert len(after) == len(set(after))
    assert report.stats.pages_fetched == len(reachable)
