"""The raw-SQLite ceiling the store's benchmarks measure against: an equivalent events table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from gateway.store.sql import SQLITE_CACHE_MIB

RAW_TABLE = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY, stream_id VARCHAR(200) NOT NULL,
    stream_version INTEGER NOT NULL, event_id VARCHAR(36) NOT NULL, type VARCHAR(100) NOT NULL,
    schema_version SMALLINT NOT NULL, data BLOB NOT NULL, metadata BLOB NOT NULL,
    recorded_at VARCHAR(32) NOT NULL,
    CONSTRAINT uq_events_stream_version UNIQUE (stream_id, stream_version))
"""
# The identity rows an import writes beside its events (migration 0007): one claim a record,
# keyed by its command id and written in key order, and one span a chunk.
RAW_CLAIMS_TABLES = (
    """CREATE TABLE record_claims (
    command_id VARCHAR(36) NOT NULL PRIMARY KEY, import_id INTEGER NOT NULL,
    record_number INTEGER NOT NULL, stream_id VARCHAR(200) NOT NULL, type VARCHAR(100) NOT NULL)
    WITHOUT ROWID""",
    "CREATE INDEX ix_record_claims_import ON record_claims (import_id)",
    """CREATE TABLE import_chunks (
    import_id INTEGER NOT NULL, last_applied INTEGER NOT NULL, first_position INTEGER,
    last_position INTEGER, PRIMARY KEY (import_id, last_applied)) WITHOUT ROWID""",
)
# The same pragmas the store sets on its own connections.
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size=-{SQLITE_CACHE_MIB * 1024}",
           "temp_store=MEMORY")  # fmt: skip


def raw_events_table(path: Path, *, claims: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode to a new database holding the events table (and, with
    `claims`, the import's identity tables)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(RAW_TABLE)
    for table in RAW_CLAIMS_TABLES if claims else ():
        conn.execute(table)
    return conn
