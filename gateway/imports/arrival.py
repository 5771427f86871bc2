"""Inbound SLA: a source's file is due every day by a local time ("CBS postings by 02:00").

At the due time, a day without any file claimed for the source is recorded as a breach.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from gateway.imports.landing import LandedSource
from gateway.sla import record_breach
from gateway.store.sql import SqlEventStore
from gateway.store.writes import timestamp


def due_time(source: LandedSource, now: datetime) -> datetime | None:
    """The latest due time at or before `now`, in UTC; None when the source has no SLA."""
    config = source.config
    if config.expected_by is None:
        return None
    zone = ZoneInfo(config.schedule.timezone if config.schedule else "Europe/London")
    local = now.astimezone(zone)
    due = datetime.combine(local.date(), config.expected_by, tzinfo=zone)
    if due > local:
        due -= timedelta(days=1)
    return due


def check_arrival(store: SqlEventStore, source: LandedSource, *, now: datetime) -> bool:
    """Record a breach when no file arrived in the 24 hours up to the latest due time."""
    due = due_time(source, now)
    if due is None:
        return False
    since = due - timedelta(days=1)
    rows = store.fetch(
        "SELECT COUNT(*) FROM imports WHERE source = ? AND started_at > ? AND started_at <= ?",
        (source.name, timestamp(since), timestamp(due)),
    )
    if rows[0][0]:
        return False
    return record_breach(
        store, kind="import", name=source.name, subject=due.date().isoformat(),
        due_at=due.timestamp(), breached_at=now.timestamp(),
        detail=f"no file arrived by {source.config.expected_by:%H:%M} {due.tzinfo}",
    )  # fmt: skip
