"""`gateway run` checkpoints SQLite's write-ahead log from a thread, not inside commits."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from gateway.store import NewEvent, StreamAppend, wal
from gateway.store.sql import open_store
from gateway.store.wal import WalCheckpointer


def test_commits_leave_checkpoints_to_the_background_thread_while_it_runs(
    tmp_path: Path,
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'gateway.db'}")
    checkpointer = WalCheckpointer(store.engine, interval=3600)
    checkpointer.start()
    try:
        with store.engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert pages == 0
    finally:
        checkpointer.stop()
    with store.engine.connect() as connection:  # a connection opened after the stop
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
    store.engine.dispose()


def events_in_database_file(path: Path, copy: Path) -> int:
    """Events the database file itself holds, leaving aside what is still only in the log."""
    shutil.copyfile(path, copy)
    try:
        with sqlite3.connect(copy) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    except sqlite3.DatabaseError:  # copied mid-checkpoint: the caller looks again
        return -1


def test_what_the_writers_logged_reaches_the_database_file(tmp_path: Path) -> None:
    interval = 0.05
    path = tmp_path / "gateway.db"
    store = open_store(f"sqlite:///{path}")
    checkpointer = WalCheckpointer(store.engine, interval=3600)
    checkpointer.start()  # one round at once, then none for an hour
    time.sleep(0.2)
    for n in range(50):
        with store.transaction() as tx:
            tx.append([StreamAppend(f"s-{n}", 0, [NewEvent("Opened", {"n": n})])])
    assert events_in_database_file(path, tmp_path / "before.db") == 0  # all still in the log
    checkpointer.stop()  # its last round copies the log into the file
    checkpointer = WalCheckpointer(store.engine, interval=interval)
    checkpointer.start()
    for n in range(50, 80):
        with store.transaction() as tx:
            tx.append([StreamAppend(f"s-{n}", 0, [NewEvent("Opened", {"n": n})])])
    deadline = time.monotonic() + 10
    while events_in_database_file(path, tmp_path / "after.db") < 80:
        assert time.monotonic() < deadline, "the log was not checkpointed"
        time.sleep(interval)
    checkpointer.stop()
    store.engine.dispose()


def test_a_database_without_a_file_is_left_alone() -> None:
    store = open_store("sqlite://")
    checkpointer = WalCheckpointer(store.engine)
    checkpointer.start()
    assert not checkpointer.applies
    checkpointer.stop()
    store.engine.dispose()


def test_the_log_stays_bounded_under_a_steady_stream_of_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal, "JOURNAL_SIZE_LIMIT", 256 * 1024)
    path = tmp_path / "gateway.db"
    store = open_store(f"sqlite:///{path}")
    checkpointer = wal.WalCheckpointer(store.engine, interval=0.02)
    checkpointer.start()
    sizes: list[int] = []
    written = 0
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:  # one writer, never pausing: passive rounds never finish
        with store.transaction() as tx:
            tx.append([StreamAppend(f"s-{written}", 0, [NewEvent("Opened", {"n": written})])])
        written += 1
        sizes.append(os.path.getsize(f"{path}-wal"))
    checkpointer.stop()
    store.engine.dispose()

    assert written > 200
    assert max(sizes) < 32 * 1024 * 1024, f"the log grew to {max(sizes)} bytes"
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM events").fetchone()[0] == written
