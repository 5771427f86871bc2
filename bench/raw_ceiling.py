"""The raw-SQLite ceiling the store's benchmarks measure against: an equivalent events table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

RAW_TABLE = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY, stream_id VARCHAR(200) NOT NULL,
    stream_version INTEGER NOT NULL, event_id VARCHAR(36) NOT NULL, type VARCHAR(100) NOT NULL,
    schema_version SMALLINT NOT NULL, data BLOB NOT NULL, metadata BLOB NOT NULL,
    recorded_at VARCHAR(32) NOT NULL,
    CONSTRAINT uq_events_stream_version UNIQUE (stream_id, stream_version))
"""
# The same pragmas the store sets on its own connections.
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "temp_store=MEMORY")


def raw_events_table(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode to a new database holding only the events table."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(RAW_TABLE)
    return conn
