"""The dispatcher: follows the event feed from each destination's stored position.

Every subscribed event becomes a `pending` delivery row, in the same transaction that moves
the destination's position on, so a crash neither skips nor doubles an event.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from gateway.store.bulk import insert_rows
from gateway.store.sql import SqlEventStore

KEY_NAMESPACE = uuid.UUID("6f1c7a52-3d0b-4a5e-9a57-0e2c5d1b8f40")
KEY_PREFIX = KEY_NAMESPACE.bytes
DISPATCH_LOCK = 7_300_002
DELIVERY_COLUMNS = ("destination", "position", "stream_id", "event_id", "event_type",
                    "idempotency_key", "status", "event_at", "due_at", "next_attempt_at",
                    "created_at")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Subscription:
    """What one destination wants from the feed, and how soon."""

    destination: str
    event_types: frozenset[str]
    deadline_seconds: float
    start: str = "earliest"


def idempotency_key(destination: str, event_id: str) -> str:
    """The same key on every send of one event to one destination, replays included.

    It is `uuid5(KEY_NAMESPACE, "destination/event_id")`, spelt out: `uuid.uuid5` and its
    `UUID` object cost three times as much, once for every delivery made.
    """
    digest = bytearray(hashlib.sha1(KEY_PREFIX + f"{destination}/{event_id}".encode()).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def epoch_of(recorded_at: str) -> float:
    return datetime.fromisoformat(recorded_at).timestamp()


def dispatch(store: SqlEventStore, subscription: Subscription, *, now: float, limit: int) -> int:
    """Create deliveries for up to `limit` feed events after the stored position."""
    with store.transaction() as tx:
        conn = tx.connection
        position, stored = _locked_position(store, conn, subscription)
        if not stored:  # a new destination's start is its position from now on
            save_position(store, conn, subscription.destination, position, now=now)
        events = conn.exec_driver_sql(
            store.sql(
                "SELECT position, stream_id, event_id, type, recorded_at FROM events "
                "WHERE position > ? ORDER BY position LIMIT ?"
            ),
            (position, limit),
        ).fetchall()
        if not events:
            return 0
        rows = new_rows(subscription, events, now=now)
        if rows:
            insert_deliveries(store, conn, rows)
        save_position(store, conn, subscription.destination, events[-1][0], now=now)
        return len(rows)


def new_rows(
    subscription: Subscription, events: Sequence[Any], *, now: float
) -> list[tuple[Any, ...]]:
    name, deadline, wanted = (
        subscription.destination, subscription.deadline_seconds, subscription.event_types,
    )  # fmt: skip
    rows = []
    for position, stream_id, event_id, type_name, recorded_at in events:
        if type_name in wanted:
            at = epoch_of(recorded_at)
            key = idempotency_key(name, event_id)
            rows.append(
                (name, position, stream_id, event_id, type_name, key, "pending", at,
                 at + deadline, now, now)
            )  # fmt: skip
    return rows


def insert_deliveries(store: SqlEventStore, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Rows of `DELIVERY_COLUMNS`, or of those and `sla_from` (a replay's own SLA clock)."""
    columns = DELIVERY_COLUMNS if len(rows[0]) == 11 else (*DELIVERY_COLUMNS, "sla_from")
    insert_rows(store, conn, "deliveries", columns, rows)


def _locked_position(
    store: SqlEventStore, conn: Connection, subscription: Subscription
) -> tuple[int, bool]:
    """The position and whether it was stored, read under a lock so two dispatchers never
    create the same rows.

    SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL takes a transaction-scoped
    advisory lock per destination. A new destination starts at 0, or at the head for `latest`.
    """
    name = subscription.destination
    if store.is_postgres:
        conn.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (DISPATCH_LOCK, name)
        )
    row = conn.exec_driver_sql(
        store.sql("SELECT position FROM delivery_positions WHERE destination = ?"), (name,)
    ).first()
    if row is not None:
        return int(row[0]), True
    if subscription.start == "latest":
        head = conn.exec_driver_sql("SELECT COALESCE(MAX(position), 0) FROM events").scalar_one()
        return int(head), False
    return 0, False


def save_position(
    store: SqlEventStore, conn: Connection, destination: str, position: int, *, now: float
) -> None:
    conn.exec_driver_sql(
        store.sql(
            "INSERT INTO delivery_positions (destination, position, updated_at) VALUES (?,?,?) "
            "ON CONFLICT (destination) DO UPDATE SET position = excluded.position, "
            "updated_at = excluded.updated_at"
        ),
        (destination, position, now),
    )


def stored_position(store: SqlEventStore, destination: str) -> int | None:
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            store.sql("SELECT position FROM delivery_positions WHERE destination = ?"),
            (destination,),
        ).first()
    return None if row is None else int(row[0])
