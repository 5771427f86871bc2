"""What operators see of scheduled jobs: schedule, last and next run, outcome, lease holder.

Read from the shared database, so any gateway process (or the CLI) shows the same board.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from gateway.store.sql import SqlEventStore

RUN_COLUMNS = "id, job, due_at, trigger, holder, started_at, finished_at, outcome, detail"


class ScheduledJob(Protocol):
    """A job as the scheduler holds it (see `schedules.JobSpec`)."""

    @property
    def name(self) -> str: ...

    @property
    def run(self) -> Callable[[], object]: ...

    def describe(self) -> str:
        """The schedule in words, e.g. `cron 5 22 * * * Europe/London`."""
        ...

    def next_run(self, now: datetime) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    job: str
    due_at: float
    trigger: str
    holder: str
    started_at: float
    finished_at: float | None
    outcome: str
    detail: str | None

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        for key in ("due_at", "started_at", "finished_at"):
            found[key] = iso(found[key])
        return found


@dataclass(frozen=True, slots=True)
class JobStatus:
    name: str
    schedule: str
    next_run: str | None
    last_run: RunRecord | None
    holder: str | None
    lease_expires_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "schedule": self.schedule,
            "next_run": self.next_run,
            "last_run": self.last_run.as_dict() if self.last_run else None,
            "last_outcome": self.last_run.outcome if self.last_run else None,
            "holder": self.holder,
            "lease_expires_at": self.lease_expires_at,
        }


def iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")


def job_statuses(
    store: SqlEventStore, jobs: Sequence[ScheduledJob], *, now: float
) -> list[JobStatus]:
    """One line per job, in the order given."""
    leases = {
        r[0]: (r[1], r[2])
        for r in store.fetch("SELECT job, holder, expires_at FROM job_leases")
        if r[1] is not None and r[2] is not None and r[2] > now
    }
    last = last_runs(store)
    moment = datetime.fromtimestamp(now, UTC)
    statuses = []
    for job in jobs:
        upcoming = job.next_run(moment)
        holder, expires = leases.get(job.name, (None, None))
        statuses.append(
            JobStatus(
                job.name,
                job.describe(),
                upcoming.isoformat() if upcoming else None,
                last.get(job.name),
                holder,
                iso(expires),
            )
        )
    return statuses


def last_runs(store: SqlEventStore) -> dict[str, RunRecord]:
    """Each job's latest run."""
    rows = store.fetch(
        f"SELECT {RUN_COLUMNS} FROM job_runs r WHERE id = "
        "(SELECT MAX(id) FROM job_runs x WHERE x.job = r.job)"
    )
    return {r[1]: RunRecord(*r) for r in rows}


def list_runs(store: SqlEventStore, *, job: str | None = None, limit: int = 50) -> list[RunRecord]:
    """Runs, latest first; of one job when `job` is given."""
    where, params = (" WHERE job = ?", (job,)) if job else ("", ())
    rows = store.fetch(
        f"SELECT {RUN_COLUMNS} FROM job_runs{where} ORDER BY id DESC LIMIT ?", (*params, limit)
    )
    return [RunRecord(*r) for r in rows]
