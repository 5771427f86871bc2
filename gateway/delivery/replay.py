"""Replay: send a range of events to a destination again, by feed position or time window.

Delivered, skipped and dead deliveries in the range become pending with their own idempotency
key; subscribed events that never had a delivery (a destination started at `latest`) get one.
The SLA clock of a replayed delivery starts at the replay, not at the event (`sla_from`):
its breach and its page are counted from then. A replayed delivery waits for its stream to
be free of deliveries other workers are sending (see `claims.STREAM_FREE`). One call replays
at most `MAX_REPLAY` events, whatever its range or window: a larger one is refused, never cut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.delivery.dispatch import Subscription, insert_deliveries, new_rows
from gateway.errors import ReplayTooLarge
from gateway.store.sql import SqlEventStore
from gateway.store.writes import timestamp

MAX_REPLAY = 100_000  # events a call: a larger range or window is several calls


@dataclass(frozen=True, slots=True)
class ReplayRange:
    """Positions [from, to] or recorded times [since, until], both ends included, either open."""

    from_position: int | None = None
    to_position: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def where(self) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, op, value in (
            ("position", ">=", self.from_position), ("position", "<=", self.to_position),
            ("recorded_at", ">=", self.since and timestamp(self.since.astimezone(UTC))),
            ("recorded_at", "<=", self.until and timestamp(self.until.astimezone(UTC))),
        ):  # fmt: skip
            if value is not None:
                clauses.append(f"{column} {op} ?")
                params.append(value)
        if not clauses:
            raise ValueError("give a position range or a time window")
        return " AND ".join(clauses), tuple(params)


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    events: int
    requeued: int
    created: int
    already_pending: int
    dry_run: bool


def replay(
    store: SqlEventStore, subscription: Subscription, selection: ReplayRange, *, now: float,
    dry_run: bool = False,
) -> ReplayOutcome:  # fmt: skip
    where, params = selection.where()
    types = sorted(subscription.event_types)
    marks = ", ".join("?" * len(types))
    with store.transaction() as tx:
        conn = tx.connection
        events = conn.exec_driver_sql(
            store.sql(
                "SELECT position, stream_id, event_id, type, recorded_at FROM events "
                f"WHERE {where} AND type IN ({marks}) ORDER BY position LIMIT ?"
            ),
            (*params, *types, MAX_REPLAY + 1),
        ).fetchall()
        if len(events) > MAX_REPLAY:
            raise ReplayTooLarge(MAX_REPLAY)
        known = _known(store, conn, subscription.destination, [e[0] for e in events])
        pending = [p for p, status in known.items() if status == "pending"]
        requeue = [p for p, status in known.items() if status != "pending"]
        missing = [e for e in events if e[0] not in known]
        if not dry_run:
            _requeue(store, conn, subscription, requeue, now=now)
            rows = new_rows(subscription, missing, now=now)
            if rows:
                insert_deliveries(store, conn, [(*r[:8], now + subscription.deadline_seconds,
                                                 *r[9:], now) for r in rows])  # fmt: skip
    return ReplayOutcome(len(events), len(requeue), len(missing), len(pending), dry_run)


def _known(
    store: SqlEventStore, conn: Any, destination: str, positions: list[int]
) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = conn.exec_driver_sql(
            store.sql(
                f"SELECT position, status FROM deliveries WHERE destination = ? "
                f"AND position IN ({marks})"
            ),
            (destination, *chunk),
        ).fetchall()
        found.update((int(r[0]), r[1]) for r in rows)
    return found


def _requeue(
    store: SqlEventStore, conn: Any, subscription: Subscription, positions: list[int], *, now: float
) -> None:
    if positions:
        conn.exec_driver_sql(
            store.sql(
                "UPDATE deliveries SET status = 'pending', counted_attempts = 0, "
                "retry_later_attempts = 0, run_started_at = NULL, next_attempt_at = ?, "
                "due_at = ?, sla_from = ?, breached_at = NULL, paged_at = NULL "
                "WHERE destination = ? AND position = ?"
            ),
            [(now, now + subscription.deadline_seconds, now, subscription.destination, p)
             for p in positions],
        )  # fmt: skip
