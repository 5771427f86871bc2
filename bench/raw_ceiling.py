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
# The command records every import writes beside its events: the key is a uuid5 (random).
RAW_COMMANDS_TABLE = """
CREATE TABLE commands (
    command_id VARCHAR(36) PRIMARY KEY, type VARCHAR(100) NOT NULL,
    stream_id VARCHAR(200) NOT NULL, status VARCHAR(16) NOT NULL, code VARCHAR(64), reason TEXT,
    first_position BIGINT, last_position BIGINT, source VARCHAR(100), source_ref TEXT,
    fingerprint VARCHAR(64), recorded_at VARCHAR(32) NOT NULL)
"""
# The same pragmas the store sets on its own connections.
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "temp_store=MEMORY")


def raw_events_table(path: Path, *, commands: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode to a new database holding the events table (and, with
    `commands`, the command records' table)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(RAW_TABLE)
    if commands:
        conn.execute(RAW_COMMANDS_TABLE)
    return conn
