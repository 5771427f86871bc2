"""Writes what became of deliveries: each attempt as started (before it is sent) and its
outcome (after), and each delivery's new state.

A worker buffers these and writes them in one transaction; every update is guarded by its
lease, so a worker that lost a lease cannot overwrite what its successor recorded. An
attempt whose outcome never came (the process died while sending) stays `unknown`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.engine import Connection

from gateway.sla.breaches import Breach, announce, insert_breaches
from gateway.store.bulk import insert_rows, update_rows
from gateway.store.sql import SqlEventStore

Settled = Literal["delivered", "retry", "dead", "release"]
ATTEMPT_COLUMNS = ("delivery_id", "attempt", "worker", "started_at", "latency_ms",
                   "status_code", "verdict", "error", "answer")  # fmt: skip
OUTCOME_COLUMNS = ("started_at", "latency_ms", "status_code", "verdict", "error", "answer")
UNKNOWN = "unknown"
UNKNOWN_ERROR = "outcome unknown: may have been sent, no answer recorded"
SNIPPET = 200


@dataclass(frozen=True, slots=True)
class AttemptStart:
    """Recorded before the request leaves: proof an attempt may have reached the system."""

    delivery_id: int
    attempt: int
    started_at: float


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
    retry_later_attempts: int = 0


@dataclass(frozen=True, slots=True)
class ClockShift:
    """The circuit was open `seconds` from `since`: stop rules by time leave that out."""

    destination: str
    since: float
    seconds: float


@dataclass(slots=True)
class Outcomes:
    """What one write carries; each list in the order it happened."""

    starts: list[AttemptStart]
    attempts: list[AttemptRecord]
    settlements: list[Settlement]
    breaches: list[Breach]
    shifts: list[ClockShift]
    withdrawn: list[AttemptStart] = field(default_factory=list)  # recorded, never sent

    @classmethod
    def empty(cls) -> Outcomes:
        return cls([], [], [], [], [], [])

    def __bool__(self) -> bool:
        return bool(
            self.starts or self.attempts or self.settlements or self.shifts or self.withdrawn
        )

    def put_back(self, later: Outcomes) -> None:
        """`self` failed to write: keep it before what was noted since."""
        for name in ("starts", "attempts", "settlements", "breaches", "shifts", "withdrawn"):
            getattr(later, name)[:0] = getattr(self, name)


RELEASED = ("lease_owner = NULL", "lease_expires_at = NULL")
TAIL = ("attempts", "counted_attempts", "run_started_at", "last_status", "last_error",
        "retry_later_attempts", *RELEASED)  # fmt: skip
SETS: dict[Settled, tuple[str, ...]] = {  # the columns each kind of settlement sets, in order
    "delivered": ("status = 'delivered'", "delivered_at", "latency_seconds", *TAIL),
    "retry": ("next_attempt_at", *TAIL),
    "dead": ("status = 'dead'", *TAIL),
    "release": RELEASED,
}


def settle(store: SqlEventStore, *, worker: str, outcomes: Outcomes) -> None:
    """One transaction: clock shifts, then outcomes of earlier attempts (each settlement is
    absolute, so it wins over a shift) and starts withdrawn before their leases go, then the
    starts of new attempts."""
    with store.transaction() as tx:
        conn = tx.connection
        for shift in outcomes.shifts:
            conn.exec_driver_sql(
                store.sql("UPDATE deliveries SET run_started_at = run_started_at + ? "
                          "WHERE destination = ? AND status = 'pending' "
                          "AND run_started_at < ?"),
                (shift.seconds, shift.destination, shift.since),
            )  # fmt: skip
        update_rows(
            store, conn, "delivery_attempts", OUTCOME_COLUMNS, ("delivery_id", "attempt", "worker"),
            [(a.started_at, a.latency_ms, a.status_code, a.verdict, a.error, a.answer,
              a.delivery_id, a.attempt, worker) for a in outcomes.attempts],
        )  # fmt: skip
        if outcomes.withdrawn:
            _withdraw_starts(store, conn, worker, outcomes.withdrawn)
        for kind in ("delivered", "retry", "dead", "release"):
            rows = [_params(s, worker) for s in outcomes.settlements if s.settled == kind]
            update_rows(store, conn, "deliveries", SETS[kind], ("id", "lease_owner"), rows)
        if outcomes.starts:
            record_starts(store, conn, worker, outcomes.starts)
        new = insert_breaches(store, conn, outcomes.breaches)
        if new:
            conn.exec_driver_sql(
                store.sql("UPDATE deliveries SET breached_at = ? WHERE id = ?"),
                [(b.breached_at, int(b.subject)) for b in new],
            )
    announce(new)


def record_starts(
    store: SqlEventStore, conn: Connection, worker: str, starts: Sequence[AttemptStart]
) -> None:
    """Attempts recorded as started, `unknown` until their outcome replaces that."""
    insert_rows(
        store, conn, "delivery_attempts", ATTEMPT_COLUMNS,
        [(s.delivery_id, s.attempt, worker, s.started_at, 0.0, None, UNKNOWN, UNKNOWN_ERROR,
          None) for s in starts],
    )  # fmt: skip
    update_rows(
        store,
        conn,
        "deliveries",
        ("attempts",),
        ("id", "lease_owner"),
        [(s.attempt, s.delivery_id, worker) for s in starts],
    )


def _withdraw_starts(
    store: SqlEventStore, conn: Connection, worker: str, starts: Sequence[AttemptStart]
) -> None:
    """Starts recorded but never sent (the lease, the circuit or a stop said no while they
    waited for a slot): no trace of them is left, the delivery's count goes back."""
    conn.exec_driver_sql(
        store.sql("DELETE FROM delivery_attempts WHERE delivery_id = ? AND attempt = ? "
                  "AND worker = ? AND verdict = ?"),
        [(s.delivery_id, s.attempt, worker, UNKNOWN) for s in starts],
    )  # fmt: skip
    conn.exec_driver_sql(
        store.sql("UPDATE deliveries SET attempts = ? WHERE id = ? AND lease_owner = ? "
                  "AND attempts = ?"),
        [(s.attempt - 1, s.delivery_id, worker, s.attempt) for s in starts],
    )  # fmt: skip


def _params(s: Settlement, worker: str) -> tuple[object, ...]:
    if s.settled == "release":
        return (s.delivery_id, worker)
    tail = (s.attempts, s.counted_attempts, s.run_started_at, s.last_status, s.last_error,
            s.retry_later_attempts)  # fmt: skip
    head: tuple[object, ...] = ()
    if s.settled == "delivered":
        head = (s.at, s.latency_seconds)
    elif s.settled == "retry":
        head = (s.next_attempt_at,)
    return (*head, *tail, s.delivery_id, worker)


def snippet(body: bytes, *, truncated: bool = False) -> str:
    text = body[:SNIPPET].decode("utf-8", "replace")
    return f"{text} [answer cut at 1 MiB]" if truncated else text
