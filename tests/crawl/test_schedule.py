"""The schedule: per-host FIFO order, the page budget, and when the crawl is over."""

from __future__ import annotations

import asyncio

from dcaudit.crawl.schedule import Schedule
from dcaudit.models import FrontierEntry


def entry(url: str) -> FrontierEntry:
    return FrontierEntry(url, 1, None)


def test_schedule_push_reports_new_hosts_and_keeps_order() -> None:
    schedule = Schedule(budget=None)
    assert schedule.push(entry("http://a/1"))
    assert not schedule.push(entry("http://a/2"))
    assert schedule.push(entry("http://b:8080/1"))
    assert schedule.hosts == ["a", "b:8080"] and schedule.queued == 3

    async def main() -> list[str]:
        taken = []
        for _ in range(2):
            item = await schedule.take("a")
            assert item is not None
            taken.append(item.url)
            schedule.release(made_page=True)
        return taken

    assert asyncio.run(main()) == ["http://a/1", "http://a/2"]


def test_schedule_budget_spent_ends_the_crawl_and_leaves_the_rest() -> None:
    schedule = Schedule(budget=2)
    for n in range(5):
        schedule.push(entry(f"http://a/{n}"))

    async def main() -> list[str | None]:
        got: list[str | None] = []
        for _ in range(3):
            item = await schedule.take("a")
            got.append(item.url if item else None)
            if item:
                schedule.release(made_page=True)
        return got

    assert asyncio.run(main()) == ["http://a/0", "http://a/1", None]
    assert [e.url for e in schedule.drain()] == ["http://a/2", "http://a/3", "http://a/4"]
    assert schedule.queued == 0


def test_schedule_url_without_page_gives_its_budget_back() -> None:
    schedule = Schedule(budget=1)
    schedule.push(entry("http://a/image"))
    schedule.push(entry("http://a/page"))

    async def main() -> list[str]:
        first = await schedule.take("a")
        assert first is not None
        schedule.release(made_page=False)  # a content type we skip
        second = await schedule.take("a")
        assert second is not None
        schedule.release(made_page=True)
        assert await schedule.take("a") is None
        return [first.url, second.url]

    assert asyncio.run(main()) == ["http://a/image", "http://a/page"]


def test_schedule_waiting_workers_finish_together() -> None:
    schedule = Schedule(budget=None)
    schedule.push(entry("http://a/only"))

    async def main() -> tuple[str | None, str | None, list[bool]]:
        first = await schedule.take("a")
        waiting = [asyncio.create_task(schedule.take("a")) for _ in range(3)]
        await asyncio.sleep(0)
        assert not any(task.done() for task in waiting)  # the first URL may still add more
        schedule.push(entry("http://a/found"))
        schedule.release(made_page=True)
        found, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        (taker,) = found
        second = taker.result()
        others = [task for task in waiting if task is not taker]
        still_waiting = [not task.done() for task in others]  # /found may add more
        schedule.release(made_page=True)
        ends = await asyncio.wait_for(asyncio.gather(*others), timeout=5)
        assert ends == [None, None]
        return (first.url if first else None, second.url if second else None, still_waiting)

    assert asyncio.run(main()) == ("http://a/only", "http://a/found", [True, True])
