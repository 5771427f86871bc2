"""Writing to the event store: one `StoreTransaction` per `SqlEventStore.transaction()`.

Events, command records and snapshots are written with driver SQL; positions are taken under
the feed's lock, so they are gap-free and become visible in commit order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from sqlalchemy.engine import Connection

from gateway.store.copying import copy_rows
from gateway.store.envelopes import envelope_head
from gateway.store.port import CommandRecord, Snapshot, StreamAppend

if TYPE_CHECKING:
    from gateway.store.sql import SqlEventStore

Clock = Callable[[], datetime]

# Any constant shared by every gateway process: the key of the feed's append lock.
FEED_LOCK_KEY = 7_300_001

EVENT_COLUMNS = (
    "position, stream_id, stream_version, event_id, type, schema_version, data, metadata, "
    "recorded_at"
)
# Each event's CloudEvents head, rendered once here (`gateway.store.envelopes`): the feed
# serves it with the stored data spliced in. NULL for events stored before it existed.
INSERTED_COLUMNS = f"{EVENT_COLUMNS}, envelope"
COMMAND_COLUMNS = (
    "command_id, type, stream_id, status, code, reason, first_position, last_position, "
    "source, source_ref, fingerprint, recorded_at"
)


class EncodedEvent(NamedTuple):
    """An event about to be appended whose data and metadata are JSON bytes already.

    The command bus's batch path serialises each event once, straight from its model;
    `attributes` is the metadata before it was serialised, for the event's CloudEvents head.
    """

    type: str
    data: bytes
    schema_version: int
    metadata: bytes
    attributes: Mapping[str, Any]


class EncodedAppend(NamedTuple):
    """`StreamAppend` of encoded events: valid only if the stream is at `expected_version`."""

    stream_id: str
    expected_version: int
    events: Sequence[EncodedEvent]


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with microseconds: sorts as text on every backend."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StoreTransaction:
    """Writes inside one `SqlEventStore.transaction()`; `connection` is open for other tables."""

    def __init__(self, store: SqlEventStore, connection: Connection) -> None:
        self.store = store
        self.connection = connection
        self.recorded_at = timestamp(store.clock())
        self.appends: list[StreamAppend | EncodedAppend] = []
        self.command_ids: list[str] = []
        self._next_position: int | None = None

    def append(self, appends: Sequence[StreamAppend]) -> list[tuple[int, int]]:
        """Append every stream's events; returns each append's (first, last) position.

        A stream that moved past its expected version fails the whole transaction with
        `ConcurrencyConflict`: the unique (stream_id, stream_version) key decides, no read.
        """
        self.appends.extend(appends)
        position = self._claim_positions()
        rows: list[tuple[Any, ...]] = []
        spans: list[tuple[int, int]] = []
        ids = new_event_ids(sum(len(a.events) for a in appends))
        dumps, at = orjson.dumps, self.recorded_at
        for append in appends:
            first, stream_id, version = position + 1, append.stream_id, append.expected_version
            for new in append.events:
                position += 1
                version += 1
                event_id = str(new.event_id) if new.event_id else next(ids)
                head = envelope_head(position, stream_id, version, event_id, new.type,
                                     new.schema_version, new.metadata, at)  # fmt: skip
                rows.append(
                    (position, stream_id, version, event_id, new.type, new.schema_version,
                     dumps(new.data), dumps(new.metadata), at, head)
                )  # fmt: skip
            spans.append((first, position))
        self._insert_events(rows, position)
        return spans

    def append_encoded(self, appends: Sequence[EncodedAppend]) -> list[tuple[int, int]]:
        """`append` for events serialised already (the batch path); the same rules apply."""
        self.appends.extend(appends)
        position = self._claim_positions()
        rows: list[tuple[Any, ...]] = []
        spans: list[tuple[int, int]] = []
        ids = new_event_ids(sum(len(a.events) for a in appends))
        at = self.recorded_at
        for append in appends:
            first, stream_id, version = position + 1, append.stream_id, append.expected_version
            for type_name, data, schema_version, metadata, attributes in append.events:
                position += 1
                version += 1
                event_id = next(ids)
                head = envelope_head(position, stream_id, version, event_id, type_name,
                                     schema_version, attributes, at)  # fmt: skip
                rows.append(
                    (position, stream_id, version, event_id, type_name, schema_version, data,
                     metadata, at, head)
                )  # fmt: skip
            spans.append((first, position))
        self._insert_events(rows, position)
        return spans

    def _insert_events(self, rows: list[tuple[Any, ...]], position: int) -> None:
        if rows and self.store.is_postgres:
            copy_rows(self.connection, "events", INSERTED_COLUMNS, rows)
        elif rows:
            self.connection.exec_driver_sql(
                self.store.sql(
                    f"INSERT INTO events ({INSERTED_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"
                ),
                rows,
            )
        self._next_position = position

    def _claim_positions(self) -> int:
        """The last position taken; from here on this transaction owns the feed's tail.

        PostgreSQL: a transaction-scoped advisory lock serialises appenders until commit, so
        positions are gap-free and become visible in order; a reader tailing by position never
        skips an event that commits later. SQLite: BEGIN IMMEDIATE already holds the lock.
        """
        if self._next_position is None:
            if self.store.is_postgres:
                self.connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({FEED_LOCK_KEY})")
            row = self.connection.exec_driver_sql(
                "SELECT COALESCE(MAX(position), 0) FROM events"
            ).scalar_one()
            self._next_position = int(row)
        return self._next_position

    def record_commands(self, records: Sequence[CommandRecord]) -> None:
        """Store command records; a command id seen before fails with `DuplicateCommand`."""
        rows = [
            (
                r.command_id,
                r.type,
                r.stream_id,
                r.status,
                r.code,
                r.reason,
                r.first_position,
                r.last_position,
                r.source,
                r.source_ref,
                r.fingerprint,
                r.recorded_at or self.recorded_at,
            )
            for r in records
        ]
        self.record_command_rows(rows)

    def record_command_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """`record_commands` for rows in `COMMAND_COLUMNS` order, `recorded_at` filled in."""
        self.command_ids.extend(row[0] for row in rows)
        if rows:
            self.connection.exec_driver_sql(
                self.store.sql(
                    f"INSERT INTO commands ({COMMAND_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                ),
                rows,
            )

    def save_snapshot(self, snapshot: Snapshot) -> None:
        params = (
            snapshot.stream_id,
            snapshot.stream_version,
            snapshot.schema_version,
            orjson.dumps(snapshot.state).decode(),
            self.recorded_at,
        )
        self.connection.exec_driver_sql(
            self.store.sql("DELETE FROM snapshots WHERE stream_id = ?"), (snapshot.stream_id,)
        )
        self.connection.exec_driver_sql(
            self.store.sql(
                "INSERT INTO snapshots (stream_id, stream_version, schema_version, state, "
                "recorded_at) VALUES (?,?,?,?,?)"
            ),
            params,
        )


def new_event_ids(count: int) -> Iterator[str]:
    """Random (version 4) UUID strings, drawn in one go: `uuid.uuid4()` a piece is slow."""
    entropy = os.urandom(16 * count).hex()
    for start in range(0, 32 * count, 32):
        h = entropy[start : start + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        yield f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"
