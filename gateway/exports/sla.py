"""The SLA of a file export ("STMT by 22:30"): a late file is a breach dated at its due time.

Recorded by the check at the due time, or by the export itself when it writes a file late.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from gateway.exports.days import BusinessDays
from gateway.exports.manifests import Manifest
from gateway.exports.settings import ExportSlaConfig
from gateway.sla import record_breach
from gateway.store.sql import SqlEventStore

KIND = "export"


class ExportSla:
    def __init__(
        self, job: str, config: ExportSlaConfig | None, days: BusinessDays, store: SqlEventStore
    ) -> None:
        self.job = job
        self.config = config
        self.days = days
        self.store = store

    def due_of(self, day: date) -> datetime | None:
        """When `day`'s file is due: the first `due_by` local time after the day ends."""
        if self.config is None:
            return None
        return self.days.first_after_end(day, self.config.due_by)

    def latest_due_day(self, now: datetime) -> date | None:
        """The latest day whose file was due by `now`."""
        day = self.days.last_closed(now)
        for candidate in (day, day - timedelta(days=1)):
            due = self.due_of(candidate)
            if due is None:
                return None
            if due <= now:
                return candidate
        return None

    def on_written(self, manifest: Manifest) -> bool:
        """A file first written after its due time is a breach, dated at the due time."""
        due = self.due_of(manifest.business_day)
        if due is None or manifest.first_exported_at <= due.timestamp():
            return False
        written = datetime.fromtimestamp(manifest.first_exported_at, due.tzinfo)
        return self.breach(manifest.business_day, detail=f"{manifest.file_name} written {written}")

    def breach(self, day: date, *, detail: str) -> bool:
        due = self.due_of(day)
        if due is None:
            return False
        return record_breach(
            self.store, kind=KIND, name=self.job, subject=day.isoformat(),
            due_at=due.timestamp(), breached_at=due.timestamp(), detail=detail,
        )  # fmt: skip
