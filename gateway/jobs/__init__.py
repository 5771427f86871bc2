"""Scheduled jobs across gateway processes: database leases, run records and the jobs board.

`JobRunner.run` runs one job under its lease; `job_statuses` is what `gateway jobs list` shows.
"""

from gateway.jobs.board import JobStatus, RunRecord, ScheduledJob, job_statuses, list_runs
from gateway.jobs.leases import JobLeases, Refusal, Ticket, default_holder
from gateway.jobs.runner import JobRunner, RunOutcome
from gateway.jobs.settings import JobsConfig

__all__ = [
    "JobLeases",
    "JobRunner",
    "JobStatus",
    "JobsConfig",
    "Refusal",
    "RunOutcome",
    "RunRecord",
    "ScheduledJob",
    "Ticket",
    "default_holder",
    "job_statuses",
    "list_runs",
]
