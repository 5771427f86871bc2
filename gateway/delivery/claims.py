"""Workers claim due deliveries with a lease; on PostgreSQL `FOR UPDATE SKIP LOCKED`.

With per-stream ordering a claim takes only a stream's head (no earlier open delivery of the
same stream) and the next few of that stream behind it: a run that one worker sends in order.
A run stops before a delivery that is not due yet (a `Retry-After` is honoured for each).
Lease times are the database's clock, so every process agrees when a lease has ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from gateway.delivery.dbclock import now_sql
from gateway.delivery.settle import AttemptStart, record_starts
from gateway.store.decoding import decode_row
from gateway.store.port import StoredEvent
from gateway.store.sql import SqlEventStore
from gateway.store.writes import EVENT_COLUMNS

# The condition of the open-stream index, spelt out: SQLite uses a partial index only for a
# query that names its condition, and `status = 'pending'` alone picked the status index
# and read every pending delivery of every stream for each claim.
OPEN_ROW = "status IN ('pending', 'dead')"
CLAIMED_COLUMNS = (
    "id, position, stream_id, idempotency_key, attempts, counted_attempts, run_started_at, "
    "event_at, due_at, breached_at, retry_later_attempts"
)
HEAD = (
    "NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.destination = d.destination "
    f"AND e.stream_id = d.stream_id AND e.position < d.position AND e.{OPEN_ROW})"
)
# A requeued delivery (replay, redrive: `sla_from` set) may sit before later ones already
# leased to a worker: it waits until its stream is free, so the stream's order holds. Only
# a pending delivery holds a lease (every settlement clears it).
STREAM_FREE = (
    "(d.sla_from IS NULL OR NOT EXISTS (SELECT 1 FROM deliveries f WHERE "
    f"f.destination = d.destination AND f.stream_id = d.stream_id AND f.{OPEN_ROW} "
    "AND f.id <> d.id AND f.lease_expires_at >= {now}))"
)


@dataclass(slots=True)
class Claimed:
    """A leased delivery with its event, as one worker holds it."""

    id: int
    position: int
    stream_id: str
    idempotency_key: str
    attempts: int
    counted_attempts: int
    run_started_at: float | None
    event_at: float
    due_at: float
    breached_at: float | None
    retry_later_attempts: int = 0
    event: StoredEvent | None = None  # decoded from `row` on first use (`event_of`)
    row: Any = None  # the event's stored row, as the claim read it
    prepared: Any = None  # the rendered request (`sending.prepare`), made with the claim
    started_at: float | None = None  # its next attempt recorded as started with the claim


@dataclass(slots=True, eq=False)
class Run:
    """Deliveries of one stream in feed order, sent one after another.

    `deadline` is the worker's own monotonic time by which the lease surely still holds;
    `lost` is set when a renewal found the lease gone: nothing more is sent on it.
    """

    stream_id: str
    deliveries: list[Claimed] = field(default_factory=list)
    deadline: float = 0.0
    next_index: int = 0
    lost: bool = False

    def unsent(self) -> list[Claimed]:
        return self.deliveries[self.next_index :]


def free(store: SqlEventStore) -> str:
    return f"(d.lease_expires_at IS NULL OR d.lease_expires_at < {now_sql(store)})"


def claim(
    store: SqlEventStore,
    destination: str,
    *,
    worker: str,
    now: float,
    lease_seconds: float,
    streams: int,
    run_length: int,
    ordered: bool,
    start_first: bool = False,
) -> list[Run]:
    """Lease up to `streams` runs of deliveries due at `now`; an empty list when none is.

    With `start_first`, each run's first attempt is recorded as started at `now` in the same
    transaction (`started_at` set): it is sent next, so it needs no write of its own.
    """
    with store.transaction() as tx:
        conn = tx.connection
        heads = _heads(store, conn, destination, now=now, limit=streams, ordered=ordered)
        if not heads:
            return []
        rows = heads
        if ordered and run_length > 1:
            rows = _runs(store, conn, destination, heads, now=now, run_length=run_length)
        _lease(store, conn, [r[0] for r in rows], worker=worker, seconds=lease_seconds)
        events = _events(store, conn, [r[1] for r in rows])
        first: dict[str, Any] = {}
        if start_first:
            for row in rows:
                first.setdefault(row[2], row)
            starts = [AttemptStart(r[0], r[4] + 1, now) for r in first.values()]
            record_starts(store, conn, worker, starts)
    return _group(rows, events, started={r[0] for r in first.values()}, at=now)


def _heads(
    store: SqlEventStore, conn: Connection, destination: str, *, now: float, limit: int,
    ordered: bool,
) -> list[Any]:  # fmt: skip
    lock = " FOR UPDATE OF d SKIP LOCKED" if store.is_postgres else ""
    order = f" AND {HEAD} AND {STREAM_FREE.format(now=now_sql(store))}" if ordered else ""
    statement = (
        f"SELECT {CLAIMED_COLUMNS} FROM deliveries d WHERE d.destination = ? "
        f"AND d.status = 'pending' AND d.next_attempt_at <= ? AND {free(store)}"
        f"{order} ORDER BY d.position LIMIT ?{lock}"
    )
    return list(conn.exec_driver_sql(store.sql(statement), (destination, now, limit)))


def _runs(
    store: SqlEventStore, conn: Connection, destination: str, heads: Sequence[Any], *,
    now: float, run_length: int,
) -> list[Any]:  # fmt: skip
    """Each head and the pending deliveries right behind it in its stream, while unleased
    and due: a delivery another worker holds, or one told to wait, ends the run before it."""
    marks = ", ".join("?" * len(heads))
    statement = (
        f"SELECT {CLAIMED_COLUMNS}, held FROM (SELECT {CLAIMED_COLUMNS}, "
        f"CASE WHEN {free(store)} AND d.next_attempt_at <= ? THEN 0 ELSE 1 END AS held, "
        "ROW_NUMBER() OVER (PARTITION BY d.stream_id ORDER BY d.position) AS n "
        "FROM deliveries d "
        f"WHERE d.destination = ? AND d.stream_id IN ({marks}) AND d.{OPEN_ROW} "
        "AND d.status = 'pending') AS r "
        "WHERE n <= ? ORDER BY position"
    )
    params = (now, destination, *(h[2] for h in heads), run_length)
    found = conn.exec_driver_sql(store.sql(statement), params).fetchall()
    head_ids = {h[0] for h in heads}
    ended: set[str] = set()
    rows = []
    for row in found:
        if row[2] in ended or (row[-1] and row[0] not in head_ids):
            ended.add(row[2])
            continue
        rows.append(row[:-1])
    return rows


def _lease(
    store: SqlEventStore, conn: Connection, ids: Sequence[int], *, worker: str, seconds: float
) -> None:
    """One statement per 500 rows: a statement per row costs a round trip each on PostgreSQL."""
    for start in range(0, len(ids), 500):
        chunk = tuple(ids[start : start + 500])
        conn.exec_driver_sql(
            store.sql(
                f"UPDATE deliveries SET lease_owner = ?, lease_expires_at = {now_sql(store)} + ? "
                f"WHERE id IN ({', '.join('?' * len(chunk))})"
            ),
            (worker, seconds, *chunk),
        )


def _events(store: SqlEventStore, conn: Connection, positions: Sequence[int]) -> dict[int, Any]:
    marks = ", ".join("?" * len(positions))
    rows = conn.exec_driver_sql(
        store.sql(f"SELECT {EVENT_COLUMNS} FROM events WHERE position IN ({marks})"),
        tuple(positions),
    ).fetchall()
    return {row[0]: row for row in rows}


def _group(
    rows: Sequence[Any], events: dict[int, Any], *, started: set[int], at: float
) -> list[Run]:
    runs: dict[str, Run] = {}
    for row in rows:
        claimed = Claimed(*row)
        claimed.row = events[claimed.position]
        if claimed.id in started:
            claimed.started_at = at
        run = runs.setdefault(claimed.stream_id, Run(claimed.stream_id))
        run.deliveries.append(claimed)
    return list(runs.values())


def event_of(claimed: Claimed) -> StoredEvent:
    """The claimed delivery's event, decoded once: by the run's rendering, not the claim."""
    if claimed.event is None:
        claimed.event = decode_row(tuple(claimed.row))
    return claimed.event


def renew(
    store: SqlEventStore, ids: Sequence[int], *, worker: str, lease_seconds: float
) -> set[int]:
    """Extend the leases this worker still holds on `ids`; returns the ids it renewed.

    A lease that already ended is not renewed (another worker may hold it now): the caller
    stops sending every run with a delivery missing from the answer.
    """
    renewed: set[int] = set()
    now = now_sql(store)
    with store.transaction() as tx:
        for start in range(0, len(ids), 500):
            chunk = tuple(ids[start : start + 500])
            found = tx.connection.exec_driver_sql(
                store.sql(
                    f"UPDATE deliveries SET lease_expires_at = {now} + ? WHERE lease_owner = ? "
                    f"AND lease_expires_at >= {now} AND id IN ({', '.join('?' * len(chunk))}) "
                    "RETURNING id"
                ),
                (lease_seconds, worker, *chunk),
            )
            renewed.update(int(r[0]) for r in found)
    return renewed
