"""What operators see of exports: each job's files, pending days and late events; its SLA line.

The SLA line joins deliveries and imports in one report (`gateway sla report`, `GET /sla`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.exports.engine import ExportJob
from gateway.exports.manifests import load_manifests
from gateway.exports.sla import KIND
from gateway.sla.report import SlaLine, SlaSource, latency_line
from gateway.store.sql import SqlEventStore

WINDOW = timedelta(days=31)


def export_status(job: ExportJob, *, now: datetime) -> dict[str, Any]:
    """One job: where it writes, its latest files, the days still to write, late events."""
    since = job.days.last_closed(now) - WINDOW
    manifests = load_manifests(job.store, job.name, since=since)
    return {
        "job": job.name,
        "folder": str(job.folder),
        "schedule": job.config.schedule.cron if job.config.schedule else None,
        "position": job.ledger.position(),
        "pending_days": [d.isoformat() for d in job.days_due(now)],
        "late": [
            {
                "business_day": m.business_day.isoformat(),
                "events": m.late_count,
                "first_position": m.late_first_position,
                "last_position": m.late_last_position,
            }
            for m in manifests
            if m.late_count
        ],
        "files": [m.as_dict() for m in manifests[:7]],
    }


def export_sla_source(jobs: Sequence[ExportJob]) -> SlaSource:
    """Per job: seconds from the day's end to its file, days pending, and late events."""

    def lines(store: SqlEventStore, now: float) -> list[SlaLine]:
        moment = datetime.fromtimestamp(now, UTC)
        return [_line(job, moment) for job in jobs]

    return lines


def _line(job: ExportJob, now: datetime) -> SlaLine:
    manifests = load_manifests(job.store, job.name, since=job.days.last_closed(now) - WINDOW)
    latencies = [m.first_exported_at - job.days.end_of(m.business_day).timestamp()
                 for m in manifests]  # fmt: skip
    pending = job.days_due(now)
    oldest = (now - job.days.end_of(pending[0])).total_seconds() if pending else None
    late = sum(m.late_count for m in manifests)
    state = f"{late} late events: rerun their days" if late else "ok"
    return replace(
        latency_line(KIND, job.name, latencies),
        pending=len(pending), oldest_pending_age=oldest, state=state,
    )  # fmt: skip
