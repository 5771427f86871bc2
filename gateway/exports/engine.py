"""A scheduled file export: file new events by business day, write each closed day's file once.

A run writes the file under a temporary name, renames it into place, records its manifest and
only then writes the completion marker. A day is done when its manifest and marker both exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from gateway.errors import ExportError
from gateway.exports.day_file import day_totals, file_chunks, refuse_problems
from gateway.exports.days import BusinessDays
from gateway.exports.files import remove_leftovers, replace_atomically, write_marker
from gateway.exports.index import ExportIndex
from gateway.exports.manifests import (
    Manifest,
    first_exported_day,
    load_manifest,
    load_manifests,
    save_manifest,
)
from gateway.exports.port import ExportFormat, FileSummary
from gateway.exports.settings import ExportConfig
from gateway.exports.sla import ExportSla
from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)
ONE_DAY = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ExportReport:
    """What one run did; its text is the job run's recorded detail."""

    job: str
    through: int
    filed: int
    written: list[Manifest] = field(default_factory=list)
    late: dict[date, int] = field(default_factory=dict)

    def __str__(self) -> str:
        files = ", ".join(f"{m.file_name} ({m.record_count} records)" for m in self.written)
        late = ", ".join(f"{day}: {n}" for day, n in sorted(self.late.items()))
        text = (
            f"filed {self.filed} events through position {self.through}; wrote {files or 'nothing'}"
        )
        return f"{text}; late events {late}" if late else text


class ExportJob:
    def __init__(
        self, name: str, config: ExportConfig, fmt: ExportFormat, store: SqlEventStore, *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:  # fmt: skip
        self.name = name
        self.config = config
        self.format = fmt
        self.store = store
        self.clock = clock
        self.days = BusinessDays(
            ends_at=config.business_day.ends_at, timezone=config.business_day.timezone
        )
        self.folder = config.folder_for(name)
        self.index = ExportIndex(
            store, name, fmt, self.days, events=config.events, page_size=config.page_size
        )
        self.sla = ExportSla(name, config.sla, self.days, store)

    def file_name(self, day: date) -> str:
        return self.config.file_name.format(job=self.name, day=day)

    def marker_name(self, day: date) -> str:
        return self.config.marker_name.format(job=self.name, day=day)

    def run(self) -> ExportReport:
        """The scheduled run: file new events, then write every closed day not yet done."""
        now = self.clock()
        caught = self.index.catch_up(now=now.timestamp())
        report = ExportReport(self.name, caught.through, caught.filed, late=caught.late)
        failed = []
        for day in self.days_due(now):
            try:
                report.written.append(self.write_day(day, through=caught.through))
            except ExportError as exc:
                log.error("%s", exc)
                failed.append(str(exc))
        if failed:
            raise ExportError(f"{report}; failed: {'; '.join(failed)}")
        return report

    def rerun(self, day: date) -> Manifest:
        """Write `day`'s file again with every event filed by now, replacing the old one."""
        now = self.clock()
        if day > self.days.last_closed(now):
            raise ExportError(f"export {self.name}: business day {day} has not ended yet")
        caught = self.index.catch_up(now=now.timestamp())
        return self.write_day(day, through=caught.through)

    def days_due(self, now: datetime) -> list[date]:
        """Closed days without a complete file: from the first day ever exported (or, the first
        time, the last closed day), at most `catch_up_days` back."""
        last = self.days.last_closed(now)
        floor = first_exported_day(self.store, self.name) or last
        start = max(floor, last - (self.config.catch_up_days - 1) * ONE_DAY)
        done = {m.business_day for m in load_manifests(self.store, self.name, since=start)
                if self.is_complete(m)}  # fmt: skip
        return [d for d in _days(start, last) if d not in done]

    def is_complete(self, manifest: Manifest) -> bool:
        return (self.folder / manifest.marker_name).exists() and (
            self.folder / manifest.file_name
        ).exists()

    def write_day(self, day: date, *, through: int) -> Manifest:
        """Write, rename and record `day`'s file, then its marker."""
        totals = day_totals(self.store, self.name, day)
        refuse_problems(self.name, day, totals)
        name = self.file_name(day)
        remove_leftovers(self.folder, name)
        previous = load_manifest(self.store, self.name, day)
        created = self._created_at(previous, totals.record_count, totals.last_position)
        summary = FileSummary(day, created, totals.record_count, totals.net_total_minor)
        written = replace_atomically(
            self.folder, name, file_chunks(self.store, self.name, self.format, summary)
        )
        exported_at = self.clock().timestamp()
        manifest = save_manifest(
            self.store,
            Manifest(
                self.name, day, name, self.marker_name(day), totals.first_position,
                totals.last_position, through, totals.record_count, totals.net_total_minor,
                written.sha256, written.size_bytes, created.isoformat(), exported_at, exported_at,
            ),
        )  # fmt: skip
        write_marker(self.folder, manifest.marker_name)
        log.info("export %s wrote %s: %d records", self.name, name, totals.record_count)
        self.sla.on_written(manifest)
        return manifest

    def check_sla(self) -> bool:
        """At a due time: record a breach, dated at that due time, if the file is not complete."""
        now = self.clock()
        day = self.sla.latest_due_day(now)
        if day is None:
            return False
        manifest = load_manifest(self.store, self.name, day)
        if manifest is not None and self.is_complete(manifest):
            return self.sla.on_written(manifest)
        return self.sla.breach(day, detail=f"{self.file_name(day)} was not complete")

    def _created_at(self, previous: Manifest | None, count: int, last: int | None) -> datetime:
        """The header's creation time; kept from the last export when no event changed, so the
        same day exported again is the same file byte for byte."""
        if previous is not None and (previous.record_count, previous.last_position) == (
            count,
            last,
        ):
            return datetime.fromisoformat(previous.created_at)
        return self.days.now_local(self.clock()).replace(microsecond=0)


def _days(first: date, last: date) -> list[date]:
    return [first + n * ONE_DAY for n in range((last - first).days + 1)]
