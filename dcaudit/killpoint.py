"""A test hook: ``DCAUDIT_TEST_KILL_AFTER=STAGE:N`` kills dcaudit with SIGKILL at the N-th
point of STAGE, so that a test can stop a run exactly there, as a power cut or ``kill -9``
would, without waiting for the right moment. Unset (always, outside the tests), it does
nothing. The stages and their points:

- ``commit``: a write to the store about to be committed (a page with all found on it, the
  browser's findings on a page, the scores, the run): it is lost with the process;
- ``analysis``: a fetched page about to be analysed;
- ``report``: a report file written.
"""

from __future__ import annotations

import os
import signal
import threading

ENVIRONMENT = "DCAUDIT_TEST_KILL_AFTER"
STAGES = ("commit", "analysis", "report")

_lock = threading.Lock()
_seen: dict[str, int] = {}


def _wanted() -> tuple[str, int] | None:
    stage, _, count = os.environ.get(ENVIRONMENT, "").partition(":")
    return (stage, int(count)) if stage in STAGES and count.isdigit() else None


def reached(stage: str) -> None:
    """One more point of ``stage``: the process dies here if this is the one asked for."""
    wanted = _wanted()  # read each time (a few microseconds): a forked test child sets it late
    if wanted is None or wanted[0] != stage:
        return
    with _lock:
        _seen[stage] = _seen.get(stage, 0) + 1
        if _seen[stage] == wanted[1]:
            os.kill(os.getpid(), signal.SIGKILL)
