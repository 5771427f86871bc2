"""Poll jobs: each enabled poll source's cycle on its schedule.

Jobs are thin: one call to `SourcePoller.poll_once(scheduled=True)`, which skips a halted source.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from apscheduler.schedulers.background import BackgroundScheduler

from gateway.polling import SourcePoller
from schedules.scheduler import JobSpec, trigger_for


def poll_jobs(pollers: Mapping[str, SourcePoller]) -> list[JobSpec]:
    """`poll:<source>` for every enabled poll source (disabled ones are not built)."""
    return [
        JobSpec(f"poll:{name}", trigger_for(poller.config.schedule),
                partial(poller.poll_once, scheduled=True))
        for name, poller in pollers.items()
    ]  # fmt: skip


def register_poll_jobs(
    scheduler: BackgroundScheduler, pollers: Mapping[str, SourcePoller]
) -> list[str]:
    """Add the poll jobs to `scheduler`: one run at a time, missed runs coalesced."""
    ids = []
    for job in poll_jobs(pollers):
        scheduler.add_job(job.run, trigger=job.trigger, id=job.name, name=job.name,
                          max_instances=1, coalesce=True, replace_existing=True)  # fmt: skip
        ids.append(job.name)
    return ids
