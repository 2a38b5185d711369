"""One write transaction on the store's SQLite connection: all of it is committed or none.

A transaction left open by Ctrl-C or SIGTERM (landing between BEGIN and its bookkeeping) is
rolled back by the next one. SQLite's failure to write, a full disk above all, is a
StoreError naming the store, and nothing of the transaction is kept: what was committed
before stays whole, for the run to be resumed once there is room.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from dcaudit import killpoint
from dcaudit.errors import StoreError


class Transaction:
    def __init__(self, db: sqlite3.Connection, lock: threading.RLock, path: Path) -> None:
        self._db = db
        self._lock = lock
        self._path = path

    def __enter__(self) -> None:
        self._lock.acquire()
        try:
            if self._db.in_transaction:
                # left open by Ctrl-C or SIGTERM landing between BEGIN and its bookkeeping:
                # nothing of it was committed, so it is dropped
                self._db.execute("ROLLBACK")
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, exc_type: object, error: BaseException | None, *rest: object) -> None:
        try:
            if not exc_type:
                killpoint.reached("commit")
                self._db.execute("COMMIT")
            elif self._db.in_transaction:  # SQLite may have rolled it back itself (disk full)
                self._db.execute("ROLLBACK")
        except sqlite3.DatabaseError as failed:  # the COMMIT, when the disk is full
            self._db.rollback()
            error = failed
        finally:
            self._lock.release()
        if isinstance(error, sqlite3.DatabaseError):
            raise StoreError(f"{error} (store {self._path})") from error
