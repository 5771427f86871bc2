"""How far the store is published: the relay's position, moved only past confirmed events.

The move is a compare-and-set fenced by the relay's lease, so a relay that lost its lease, or
a `republish` that moved the position back meanwhile, is never overwritten.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from gateway.jobs.leases import Ticket
from gateway.store.sql import SqlEventStore


@dataclass(frozen=True, slots=True)
class RelayStatus:
    """How far behind the broker is: events not yet confirmed, and the oldest one's age."""

    name: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float
    holder: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class PublishedPositions:
    """The `broker_positions` rows of the store every gateway process shares."""

    def __init__(self, store: SqlEventStore, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def read(self, name: str) -> int:
        rows = self.store.fetch("SELECT position FROM broker_positions WHERE name = ?", (name,))
        return int(rows[0][0]) if rows else 0

    def advance(self, name: str, *, since: int, to: int, ticket: Ticket) -> bool:
        """Move from `since` to `to` while `ticket` still holds the lease; False otherwise."""
        with self.store.transaction() as tx:
            conn, sql = tx.connection, self.store.sql
            conn.exec_driver_sql(
                sql("INSERT INTO broker_positions (name, position, updated_at) VALUES (?, 0, ?) "
                    "ON CONFLICT (name) DO NOTHING"), (name, self.clock()))  # fmt: skip
            moved = conn.exec_driver_sql(
                sql("UPDATE broker_positions SET position = ?, updated_at = ? "
                    "WHERE name = ? AND position = ? AND EXISTS (SELECT 1 FROM job_leases "
                    "WHERE job = ? AND holder = ? AND run_id = ?)"),
                (to, self.clock(), name, since, ticket.job, ticket.holder, ticket.run_id),
            ).rowcount  # fmt: skip
        return bool(moved)

    def rewind(self, name: str, *, to: int) -> int:
        """Set the position to `to` (republish from `to + 1`); returns the position it had."""
        was = self.read(name)
        with self.store.transaction() as tx:
            tx.connection.exec_driver_sql(
                self.store.sql(
                    "INSERT INTO broker_positions (name, position, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
                    "updated_at = excluded.updated_at"
                ),
                (name, to, self.clock()),
            )
        return was

    def status(self, name: str, *, lease_job: str) -> RelayStatus:
        position, head = self.read(name), self.store.head_position()
        holder = self._holder(lease_job)
        return RelayStatus(name, position, head, max(0, head - position),
                           self._age(position), holder)  # fmt: skip

    def _age(self, position: int) -> float:
        """Seconds since the first unpublished event was recorded (0 when none waits)."""
        rows = self.store.fetch(
            "SELECT recorded_at FROM events WHERE position > ? ORDER BY position LIMIT 1",
            (position,),
        )
        if not rows:
            return 0.0
        recorded = datetime.fromisoformat(str(rows[0][0]).replace("Z", "+00:00"))
        return max(0.0, self.clock() - recorded.timestamp())

    def _holder(self, job: str) -> str | None:
        rows = self.store.fetch("SELECT holder, expires_at FROM job_leases WHERE job = ?", (job,))
        if not rows or rows[0][0] is None or (rows[0][1] or 0) <= self.clock():
            return None
        return str(rows[0][0])
