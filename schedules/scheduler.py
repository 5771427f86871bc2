"""A small typed layer over APScheduler 3's BackgroundScheduler."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from gateway.config import ScheduleConfig


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One scheduled job: a name operators see, when it runs, and what it calls."""

    name: str
    trigger: BaseTrigger
    run: Callable[[], object]


def trigger_for(schedule: ScheduleConfig) -> BaseTrigger:
    if schedule.every_seconds is not None:
        return IntervalTrigger(seconds=schedule.every_seconds, timezone=schedule.timezone)
    assert schedule.cron is not None
    return CronTrigger.from_crontab(schedule.cron, timezone=schedule.timezone)


def build_scheduler(jobs: Sequence[JobSpec]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})
    for job in jobs:
        scheduler.add_job(job.run, trigger=job.trigger, id=job.name, name=job.name,
                          misfire_grace_time=300)  # fmt: skip
    return scheduler
