"""Writes what became of sent deliveries: every attempt, and each delivery's new state.

A worker buffers outcomes and writes them in one transaction; every update is guarded by its
lease, so a worker that lost a lease cannot overwrite what its successor recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from gateway.sla.breaches import Breach, announce, insert_breaches
from gateway.store.sql import SqlEventStore

Settled = Literal["delivered", "retry", "dead", "release"]
ATTEMPT_COLUMNS = (
    "delivery_id, attempt, worker, started_at, latency_ms, status_code, verdict, error, answer"
)
SNIPPET = 200


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    delivery_id: int
    attempt: int
    started_at: float
    latency_ms: float
    status_code: int | None
    verdict: str
    error: str | None
    answer: str | None


@dataclass(frozen=True, slots=True)
class Settlement:
    """The delivery's next state; `release` only gives the lease back (nothing was sent)."""

    delivery_id: int
    settled: Settled
    attempts: int = 0
    counted_attempts: int = 0
    run_started_at: float | None = None
    at: float = 0.0
    next_attempt_at: float = 0.0
    latency_seconds: float | None = None
    last_status: int | None = None
    last_error: str | None = None


UPDATES: dict[Settled, str] = {
    "delivered": "status = 'delivered', delivered_at = ?, latency_seconds = ?, ",
    "retry": "next_attempt_at = ?, ",
    "dead": "status = 'dead', ",
}
TAIL = (
    "attempts = ?, counted_attempts = ?, run_started_at = ?, last_status = ?, last_error = ?, "
    "lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?"
)


def settle(
    store: SqlEventStore,
    *,
    worker: str,
    attempts: Sequence[AttemptRecord],
    settlements: Sequence[Settlement],
    breaches: Sequence[Breach] = (),
) -> None:
    """One transaction: attempts, state changes and late deliveries' SLA breaches."""
    with store.transaction() as tx:
        conn = tx.connection
        if attempts:
            conn.exec_driver_sql(
                store.sql(f"INSERT INTO delivery_attempts ({ATTEMPT_COLUMNS}) VALUES "
                          "(?,?,?,?,?,?,?,?,?)"),
                [(a.delivery_id, a.attempt, worker, a.started_at, a.latency_ms, a.status_code,
                  a.verdict, a.error, a.answer) for a in attempts],
            )  # fmt: skip
        for kind in ("delivered", "retry", "dead", "release"):
            rows = [_params(s, worker) for s in settlements if s.settled == kind]
            if rows:
                conn.exec_driver_sql(store.sql(_statement(kind)), rows)
        new = insert_breaches(store, conn, breaches)
        if new:
            conn.exec_driver_sql(
                store.sql("UPDATE deliveries SET breached_at = ? WHERE id = ?"),
                [(b.breached_at, int(b.subject)) for b in new],
            )
    announce(new)


def _statement(kind: Settled) -> str:
    if kind == "release":
        return (
            "UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL "
            "WHERE id = ? AND lease_owner = ?"
        )
    return f"UPDATE deliveries SET {UPDATES[kind]}{TAIL}"


def _params(s: Settlement, worker: str) -> tuple[object, ...]:
    tail = (s.attempts, s.counted_attempts, s.run_started_at, s.last_status, s.last_error)
    if s.settled == "release":
        return (s.delivery_id, worker)
    head: tuple[object, ...] = ()
    if s.settled == "delivered":
        head = (s.at, s.latency_seconds)
    elif s.settled == "retry":
        head = (s.next_attempt_at,)
    return (*head, *tail, s.delivery_id, worker)


def snippet(body: bytes) -> str:
    return body[:SNIPPET].decode("utf-8", "replace")
