"""APScheduler jobs that run each enabled poll source's cycle on its schedule.

Jobs are thin: one call to `SourcePoller.poll_once`; one run at a time, missed runs coalesce.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from gateway.config import ScheduleConfig
from gateway.polling import SourcePoller


def poll_trigger(schedule: ScheduleConfig) -> Any:
    if schedule.cron is not None:
        return CronTrigger.from_crontab(schedule.cron, timezone=schedule.timezone)
    return IntervalTrigger(seconds=schedule.every_seconds, timezone=schedule.timezone)


def register_poll_jobs(
    scheduler: BackgroundScheduler, pollers: Mapping[str, SourcePoller]
) -> list[str]:
    """Add one job per poller (id `poll:<source>`); returns the job ids."""
    ids = []
    for name, poller in pollers.items():
        job_id = f"poll:{name}"
        scheduler.add_job(
            poller.poll_once,
            trigger=poll_trigger(poller.config.schedule),
            kwargs={"scheduled": True},
            id=job_id,
            name=f"poll {name}",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
        ids.append(job_id)
    return ids
