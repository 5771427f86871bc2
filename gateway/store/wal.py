"""Background WAL checkpoints for a long-running process on SQLite.

By default SQLite checkpoints inside whichever commit pushes the write-ahead log past 1,000
pages: that commit then copies the log into the database file and syncs it, and every caller
waiting on it (a whole group of webhooks) waits 30-300 ms longer. `gateway run` turns those
automatic checkpoints off on its own connections and checkpoints from a thread of its own
instead, in PASSIVE mode, which never waits for (or blocks) a writer. Short-lived processes
(the CLI) keep SQLite's automatic checkpoints, so the log never grows without bound.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Past this size the log is cut back when it restarts, so one burst does not keep its disk.
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024


class WalCheckpointer:
    """Checkpoints the SQLite database behind `engine` every `interval` seconds."""

    def __init__(self, engine: Engine, *, interval: float = 0.5) -> None:
        self.engine = engine
        self.interval = interval
        self.path = engine.url.database or ""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def applies(self) -> bool:
        """Only a SQLite database in a file has a write-ahead log to checkpoint."""
        return self.engine.dialect.name == "sqlite" and self.path not in ("", ":memory:")

    def start(self) -> None:
        if not self.applies or self._thread is not None:
            return
        event.listen(self.engine, "connect", _no_automatic_checkpoints)
        self.engine.dispose()  # pooled connections were opened with automatic checkpoints
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; connections opened from now on checkpoint automatically again."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join()
        self._thread = None
        event.remove(self.engine, "connect", _no_automatic_checkpoints)
        self.engine.dispose()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            while True:
                self.checkpoint(connection)
                if self._stopping.wait(self.interval):
                    break
            self.checkpoint(connection)  # what the last writes left in the log
        finally:
            connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """Copy what the log holds into the database file, without waiting for anyone.

        Under a steady stream of commits a passive checkpoint never quite finishes (each
        commit made while it copies is left for the next round), and the log only starts
        over once one has. So past `JOURNAL_SIZE_LIMIT` the round ends with a TRUNCATE
        checkpoint: writers wait for it, but only while it copies what the passive one
        just left, and the log goes back to zero.
        """
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            if self._log_size() > JOURNAL_SIZE_LIMIT:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as exc:  # the next round tries again; writes are unaffected
            log.warning("WAL checkpoint of %s failed: %s", self.path, exc)

    def _log_size(self) -> int:
        try:
            return os.path.getsize(f"{self.path}-wal")
        except OSError:
            return 0


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
    cursor.close()
