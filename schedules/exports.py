"""Export jobs: write each closed business day's file, and check at its due time that it exists."""

from __future__ import annotations

from collections.abc import Mapping

from apscheduler.triggers.cron import CronTrigger

from gateway.exports.engine import ExportJob
from schedules.scheduler import JobSpec


def export_jobs(exports: Mapping[str, ExportJob]) -> list[JobSpec]:
    """`export:<job>` on the export's cron line; `export-sla:<job>` at its due time."""
    jobs = []
    for name, export in exports.items():
        config, zone = export.config, export.config.business_day.timezone
        if config.schedule is not None:
            trigger = CronTrigger.from_crontab(config.schedule.cron, timezone=zone)
            jobs.append(JobSpec(f"export:{name}", trigger, export.run))
        if config.sla is not None:
            due = config.sla.due_by
            trigger = CronTrigger(hour=due.hour, minute=due.minute, second=due.second,
                                  timezone=zone)  # fmt: skip
            jobs.append(JobSpec(f"export-sla:{name}", trigger, export.check_sla))
    return jobs
