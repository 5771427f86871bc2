"""Import jobs: scan each batch source's landing folder, and check its file arrived on time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from apscheduler.triggers.cron import CronTrigger

from gateway.imports.arrival import check_arrival
from gateway.imports.engine import BatchSource, ImportEngine
from gateway.imports.landing import LandingFolder, import_landed
from schedules.scheduler import JobSpec, trigger_for


def import_jobs(
    engine: ImportEngine, sources: dict[str, BatchSource], *, clock: Callable[[], datetime]
) -> list[JobSpec]:
    jobs = []
    for name, source in sources.items():
        config = source.config
        if config.schedule is not None:
            landing = LandingFolder(source, clock=clock)
            scan = partial(import_landed, engine, landing)
            jobs.append(JobSpec(f"import:{name}", trigger_for(config.schedule), scan))
        if config.expected_by is not None:
            zone = config.schedule.timezone if config.schedule else "Europe/London"
            due = CronTrigger(hour=config.expected_by.hour, minute=config.expected_by.minute,
                              timezone=zone)  # fmt: skip
            check = partial(_check_arrival, engine, source, clock)
            jobs.append(JobSpec(f"arrival:{name}", due, check))
    return jobs


def _check_arrival(
    engine: ImportEngine, source: BatchSource, clock: Callable[[], datetime]
) -> bool:
    return check_arrival(engine.store, source, now=clock())
