"""Table definitions shared by the SQLite and PostgreSQL backends.

Alembic migrations create them; the store's hot paths write them with plain driver SQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only makes "INTEGER PRIMARY KEY" an alias of the rowid, the fast clustered key.
Position = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=False),
    Column("stream_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", SmallInteger, nullable=False),
    # JSON as UTF-8 bytes: no text decoding on the hot paths, on either backend.
    Column("data", LargeBinary, nullable=False),
    Column("metadata", LargeBinary, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    # The only concurrency control: two writers cannot both take the same stream version.
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
)

commands = Table(
    "commands",
    metadata,
    Column("command_id", String(36), primary_key=True),
    Column("type", String(100), nullable=False),
    Column("stream_id", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("code", String(64)),
    Column("reason", Text),
    Column("first_position", Position),
    Column("last_position", Position),
    Column("source", String(100)),
    Column("source_ref", Text),
    Column("fingerprint", String(64)),
    Column("recorded_at", String(32), nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("stream_id", String(200), primary_key=True),
    Column("stream_version", Integer, nullable=False),
    Column("schema_version", SmallInteger, nullable=False),
    Column("state", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
)
