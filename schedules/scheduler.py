"""A small typed layer over APScheduler 3's BackgroundScheduler.

With a `JobRunner`, every job runs under its database lease: across gateway processes on one
database, each due time of a job is run once, by whichever process takes the lease first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from gateway.config import ScheduleConfig
from gateway.jobs import JobRunner

MISFIRE_GRACE_SECONDS = 300
# Interval jobs fire on a grid fixed in time, the same in every process: due times then agree.
GRID_START = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One scheduled job: a name operators see, when it runs, and what it calls."""

    name: str
    trigger: BaseTrigger
    run: Callable[[], object]

    def describe(self) -> str:
        """`every 60s`, or a cron line and its zone: `cron 5 22 * * * Europe/London`."""
        if isinstance(self.trigger, IntervalTrigger):
            return f"every {self.trigger.interval_length:g}s"
        if isinstance(self.trigger, CronTrigger):
            fields = {field.name: str(field) for field in self.trigger.fields}
            line = " ".join(fields[n] for n in ("minute", "hour", "day", "month", "day_of_week"))
            return f"cron {line} {self.trigger.timezone}"
        return str(self.trigger)

    def next_run(self, now: datetime) -> datetime | None:
        upcoming: datetime | None = self.trigger.get_next_fire_time(None, now)
        return upcoming


def trigger_for(schedule: ScheduleConfig) -> BaseTrigger:
    if schedule.every_seconds is not None:
        return IntervalTrigger(seconds=schedule.every_seconds, start_date=GRID_START,
                               timezone=schedule.timezone)  # fmt: skip
    assert schedule.cron is not None
    return CronTrigger.from_crontab(schedule.cron, timezone=schedule.timezone)


def arrival_trigger(schedule: ScheduleConfig | None, expected_by: time) -> CronTrigger:
    """Daily at a source's `expected_by`, in its schedule's zone (London when it has none)."""
    zone = schedule.timezone if schedule else "Europe/London"
    return CronTrigger(hour=expected_by.hour, minute=expected_by.minute, timezone=zone)


def due_time(trigger: BaseTrigger, now: datetime) -> datetime:
    """The due time a run fired at `now` stands for: the latest fire time at or before `now`.

    Every process computes the same one, whenever within the misfire grace its scheduler fired.
    """
    if isinstance(trigger, IntervalTrigger):
        step = trigger.interval_length
        return datetime.fromtimestamp(math.floor(now.timestamp() / step) * step, UTC)
    latest = None
    probe = trigger.get_next_fire_time(None, now - timedelta(seconds=2 * MISFIRE_GRACE_SECONDS))
    while probe is not None and probe <= now:
        latest = probe
        probe = trigger.get_next_fire_time(None, probe + timedelta(microseconds=1))
    return latest or now.replace(microsecond=0)


def leased(
    job: JobSpec, runner: JobRunner, *, clock: Callable[[], datetime]
) -> Callable[[], object]:
    """`job.run` under the job's lease, for the due time the scheduler fired it for."""

    def run() -> object:
        due = due_time(job.trigger, clock())
        return runner.run(job.name, job.run, due_at=due.timestamp())

    return run


def build_scheduler(
    jobs: Sequence[JobSpec],
    *,
    runner: JobRunner | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})
    for job in jobs:
        run = job.run if runner is None else leased(job, runner, clock=clock)
        scheduler.add_job(run, trigger=job.trigger, id=job.name, name=job.name,
                          misfire_grace_time=MISFIRE_GRACE_SECONDS)  # fmt: skip
    return scheduler
