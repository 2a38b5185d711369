"""Whose turn it is: one FIFO queue per host (breadth first), and the page budget.

Workers take URLs for their own host. A taken URL reserves a page of the budget; a URL
that ends without a page (a content type we skip) gives its reservation back. The crawl
is over when nothing is in flight and either every queue is empty or the budget is spent;
what is still queued then is for the caller to record as left over.
"""

from __future__ import annotations

import asyncio
from collections import deque

from dcaudit.crawl.frontier import host_of
from dcaudit.models import FrontierEntry


class Schedule:
    def __init__(self, budget: int | None) -> None:
        self.budget = budget  # pages this session may still fetch; None: no limit
        self._queues: dict[str, deque[FrontierEntry]] = {}
        self._in_flight = 0
        self._reserved = 0
        self._wake = asyncio.Event()

    def push(self, entry: FrontierEntry) -> bool:
        """Queue ``entry``; True when its host had no queue yet (it needs workers)."""
        host = host_of(entry.url)
        queue = self._queues.get(host)
        is_new = queue is None
        if queue is None:
            queue = self._queues[host] = deque()
        queue.append(entry)
        return is_new

    @property
    def hosts(self) -> list[str]:
        return list(self._queues)

    @property
    def queued(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def _budget_left(self) -> bool:
        return self.budget is None or self._reserved < self.budget

    async def take(self, host: str) -> FrontierEntry | None:
        """The next URL for ``host``, waiting while others work; None when the crawl is over."""
        queue = self._queues[host]
        while True:
            if queue and self._budget_left():
                self._in_flight += 1
                self._reserved += 1
                return queue.popleft()
            if self._in_flight == 0 and (not self._budget_left() or not self.queued):
                self._signal()  # let every other worker see it too
                return None
            await self._wake.wait()

    def release(self, *, made_page: bool) -> None:
        """A taken URL is finished; without a page its reservation goes back to the budget."""
        self._in_flight -= 1
        if not made_page:
            self._reserved -= 1
        self._signal()

    def drain(self) -> list[FrontierEntry]:
        """Everything still queued, in order; the queues are left empty."""
        left = [entry for queue in self._queues.values() for entry in queue]
        for queue in self._queues.values():
            queue.clear()
        return left

    def _signal(self) -> None:
        # wake every waiting worker; later waits use a fresh event
        self._wake.set()
        self._wake = asyncio.Event()
