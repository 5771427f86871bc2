"""Reconciliation jobs: keep ledger lines current, compare each landed balances file, and check
it arrived on time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from gateway.config import ScheduleConfig
from gateway.imports.arrival import check_arrival
from gateway.reconciliation.engine import Reconciler, ReconciliationSource
from gateway.reconciliation.lines import index_ledger_lines
from schedules.scheduler import JobSpec, arrival_trigger, trigger_for


def reconciliation_jobs(
    reconciler: Reconciler, sources: dict[str, ReconciliationSource], *,
    clock: Callable[[], datetime],
) -> list[JobSpec]:  # fmt: skip
    jobs = []
    for name, source in sources.items():
        config = source.config
        # Lines of new deliveries as they come, so a file's comparison finds little left to do.
        every = ScheduleConfig(every_seconds=config.index_every_seconds)
        index = partial(index_ledger_lines, reconciler.store, config.destination, source.adapter)
        jobs.append(JobSpec(f"ledger-lines:{name}", trigger_for(every), index))
        if config.schedule is not None:
            scan = partial(reconciler.reconcile_landed, source)
            jobs.append(JobSpec(f"reconcile:{name}", trigger_for(config.schedule), scan))
        if config.expected_by is not None:
            due = arrival_trigger(config.schedule, config.expected_by)
            check = partial(_check_arrival, reconciler, source, clock)
            jobs.append(JobSpec(f"arrival:{name}", due, check))
    return jobs


def _check_arrival(
    reconciler: Reconciler, source: ReconciliationSource, clock: Callable[[], datetime]
) -> bool:
    return check_arrival(reconciler.store, source, now=clock())
