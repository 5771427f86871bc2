"""Import jobs: scan each batch source's landing folder, and check its file arrived on time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from gateway.imports.arrival import check_arrival
from gateway.imports.engine import BatchSource, ImportEngine
from gateway.imports.landing import LandingFolder, import_landed
from schedules.scheduler import JobSpec, arrival_trigger, trigger_for


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
            due = arrival_trigger(config.schedule, config.expected_by)
            check = partial(_check_arrival, engine, source, clock)
            jobs.append(JobSpec(f"arrival:{name}", due, check))
    return jobs


def _check_arrival(
    engine: ImportEngine, source: BatchSource, clock: Callable[[], datetime]
) -> bool:
    return check_arrival(engine.store, source, now=clock())
