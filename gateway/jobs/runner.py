"""Run one job under its lease: take it, keep it renewed while the work runs, record the outcome.

Scheduled and manual runs go through here alike; a refused lease is a skip, not an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from gateway.errors import UnknownJob
from gateway.jobs.board import ScheduledJob
from gateway.jobs.leases import JobLeases, Refusal, Ticket

log = logging.getLogger(__name__)
Outcome = Literal["succeeded", "failed", "skipped"]
DETAIL_LIMIT = 500


@dataclass(frozen=True, slots=True)
class RunOutcome:
    job: str
    outcome: Outcome
    detail: str | None = None
    run_id: int | None = None


class JobRunner:
    """Runs jobs under `leases`, renewing each lease every `renew_every` seconds."""

    def __init__(self, leases: JobLeases, *, renew_every: float) -> None:
        self.leases = leases
        self.renew_every = renew_every

    @property
    def holder(self) -> str:
        return self.leases.holder

    def run(
        self, job: str, work: Callable[[], object], *, due_at: float, trigger: str = "schedule"
    ) -> RunOutcome:
        taken = self.leases.take(job, due_at=due_at, trigger=trigger)
        if isinstance(taken, Refusal):
            log.info("job %s not run here: %s", job, taken.reason)
            return RunOutcome(job, "skipped", taken.reason)
        with self._renewed(taken):
            try:
                result = work()
            except Exception as exc:
                log.exception("job %s run %s failed", job, taken.run_id)
                detail = f"{type(exc).__name__}: {exc}"[:DETAIL_LIMIT]
                self.leases.finish(taken, outcome="failed", detail=detail)
                return RunOutcome(job, "failed", detail, taken.run_id)
        said = None if result is None else str(result)[:DETAIL_LIMIT]
        self.leases.finish(taken, outcome="succeeded", detail=said)
        return RunOutcome(job, "succeeded", said, taken.run_id)

    def run_now(self, jobs: Sequence[ScheduledJob], name: str, *, now: float) -> RunOutcome:
        """Run the job called `name` at once, under the same lease as its scheduled runs."""
        for job in jobs:
            if job.name == name:
                return self.run(name, job.run, due_at=now, trigger="manual")
        known = ", ".join(job.name for job in jobs) or "none"
        raise UnknownJob(f"no scheduled job {name!r}; the jobs are: {known}")

    @contextmanager
    def _renewed(self, ticket: Ticket) -> Iterator[None]:
        done = threading.Event()
        thread = threading.Thread(
            target=self._renew_until, args=(ticket, done), name=f"lease {ticket.job}", daemon=True
        )
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _renew_until(self, ticket: Ticket, done: threading.Event) -> None:
        while not done.wait(self.renew_every):
            try:
                if not self.leases.renew(ticket):
                    log.warning("job %s lost its lease during run %s", ticket.job, ticket.run_id)
                    return
            except Exception:
                log.exception("renewing the lease of job %s failed; trying again", ticket.job)
