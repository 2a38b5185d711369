"""Stopping a run cleanly, however dcaudit was started.

SIGTERM (what CI runners, ``kill`` and container stops send) ends a run as Ctrl-C does: the
crawl is cancelled and returns what it stored, the browser pass kills its browsers, and the
run is kept, marked interrupted and resumable. SIGTERM is handled on its own, not turned
into SIGINT: a job started with ``&`` from a non-interactive shell ignores SIGINT, and a
SIGTERM passed on as SIGINT would be ignored with it.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While the block runs, SIGTERM raises KeyboardInterrupt in the main thread (as
    Python's own SIGINT handler does), whatever SIGINT's disposition."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_until_stopped(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, with SIGTERM cancelling it as asyncio's Ctrl-C does: the
    coroutine sees CancelledError where it waits and may finish cleanly. The SIGTERM handler
    in force before is back afterwards."""
    return asyncio.run(_cancelled_by_sigterm(coroutine))


async def _cancelled_by_sigterm(coroutine: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    cancelled = False

    def cancel() -> None:
        nonlocal cancelled
        if not cancelled:  # a second SIGTERM must not break the clean stop the first began
            cancelled = True
            task.cancel()

    previous = signal.getsignal(signal.SIGTERM)
    try:
        loop.add_signal_handler(signal.SIGTERM, cancel)
    except (NotImplementedError, RuntimeError, ValueError):
        return await coroutine  # Windows, or not the main thread: the handler in force stays
    try:
        return await coroutine
    finally:
        loop.remove_signal_handler(signal.SIGTERM)  # leaves SIGTERM at SIG_DFL...
        signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)  # ...so put ours back


__all__ = ["run_until_stopped", "sigterm_interrupts"]
