"""Database leases on scheduled jobs: across gateway processes, one runs each due job.

A run is a `job_runs` row, unique per (job, due time), written in the transaction that takes
the job's lease; a lease not renewed by its expiry is free again, its run marked abandoned.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ticket:
    """The right to run `job` for the run `run_id`, held by `holder`."""

    job: str
    run_id: int
    holder: str
    due_at: float


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why this process does not run the job now; `holder` is whoever does."""

    job: str
    reason: str
    holder: str | None = None


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobLeases:
    """Take, renew and give back job leases in the store shared by every gateway process."""

    def __init__(
        self,
        store: SqlEventStore,
        *,
        lease_seconds: float,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self.holder = holder or default_holder()
        self.clock = clock

    def take(self, job: str, *, due_at: float, trigger: str = "schedule") -> Ticket | Refusal:
        """The lease and a new run record for `due_at`, unless someone holds or ran it."""
        now = self.clock()
        with self.store.transaction() as tx:
            conn = tx.connection
            held = self._locked_lease(conn, job)
            if held is not None:
                holder, run_id, expires_at = held
                if holder is not None and expires_at is not None and expires_at > now:
                    return Refusal(job, f"running on {holder} (run {run_id})", holder)
                if holder is not None:
                    self._abandon(conn, run_id, holder, now)
            run_id = self._new_run(conn, job, due_at=due_at, trigger=trigger, now=now)
            if run_id is None:
                return Refusal(job, "this due run was already taken")
            conn.exec_driver_sql(
                self.store.sql(
                    "UPDATE job_leases SET holder = ?, run_id = ?, acquired_at = ?, "
                    "expires_at = ? WHERE job = ?"
                ),
                (self.holder, run_id, now, now + self.lease_seconds, job),
            )
        return Ticket(job, run_id, self.holder, due_at)

    def renew(self, ticket: Ticket) -> bool:
        """Push the lease's expiry on; False when it was lost (expired and taken over)."""
        with self.store.transaction() as tx:
            renewed = tx.connection.exec_driver_sql(
                self.store.sql(
                    "UPDATE job_leases SET expires_at = ? WHERE job = ? AND run_id = ? "
                    "AND holder = ?"
                ),
                (self.clock() + self.lease_seconds, ticket.job, ticket.run_id, ticket.holder),
            ).rowcount
        return bool(renewed)

    def finish(self, ticket: Ticket, *, outcome: str, detail: str | None = None) -> bool:
        """Record the run's outcome and free the lease; False when the run was given up on."""
        with self.store.transaction() as tx:
            conn = tx.connection
            recorded = conn.exec_driver_sql(
                self.store.sql(
                    "UPDATE job_runs SET outcome = ?, finished_at = ?, detail = ? "
                    "WHERE id = ? AND outcome = 'running'"
                ),
                (outcome, self.clock(), detail, ticket.run_id),
            ).rowcount
            conn.exec_driver_sql(
                self.store.sql(
                    "UPDATE job_leases SET holder = NULL, run_id = NULL, expires_at = NULL "
                    "WHERE job = ? AND run_id = ?"
                ),
                (ticket.job, ticket.run_id),
            )
        if not recorded:
            log.warning("job %s run %s finished after its lease was lost", ticket.job,
                        ticket.run_id)  # fmt: skip
        return bool(recorded)

    def _locked_lease(
        self, conn: Connection, job: str
    ) -> tuple[str | None, int | None, float | None] | None:
        """The job's lease row, locked until commit so contenders queue behind this one."""
        conn.exec_driver_sql(
            self.store.sql("INSERT INTO job_leases (job) VALUES (?) ON CONFLICT (job) DO NOTHING"),
            (job,),
        )
        lock = " FOR UPDATE" if self.store.is_postgres else ""
        row = conn.exec_driver_sql(
            self.store.sql(
                f"SELECT holder, run_id, expires_at FROM job_leases WHERE job = ?{lock}"
            ),
            (job,),
        ).first()
        return None if row is None else (row[0], row[1], row[2])

    def _abandon(self, conn: Connection, run_id: int | None, holder: str, now: float) -> None:
        log.warning("lease of %s expired: its run %s is abandoned", holder, run_id)
        conn.exec_driver_sql(
            self.store.sql(
                "UPDATE job_runs SET outcome = 'abandoned', finished_at = ?, detail = ? "
                "WHERE id = ? AND outcome = 'running'"
            ),
            (now, f"lease of {holder} expired before the run finished", run_id),
        )

    def _new_run(
        self, conn: Connection, job: str, *, due_at: float, trigger: str, now: float
    ) -> int | None:
        row = conn.exec_driver_sql(
            self.store.sql(
                "INSERT INTO job_runs (job, due_at, trigger, holder, started_at, outcome) "
                "VALUES (?, ?, ?, ?, ?, 'running') ON CONFLICT (job, due_at) DO NOTHING "
                "RETURNING id"
            ),
            (job, due_at, trigger, self.holder, now),
        ).first()
        return None if row is None else int(row[0])
