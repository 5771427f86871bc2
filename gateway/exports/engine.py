"""A scheduled file export: read the feed since the last run once, write each closed day's file.

The records of the days being written are sorted on local disk (an external merge sort) and
written under a temporary name, renamed into place, recorded in a manifest, and only then
marked complete. Events of other days are set aside in the export's ledger until their turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import groupby
from operator import itemgetter

from gateway.errors import ExportError
from gateway.exports.day_file import DayTotals, as_item, file_chunks
from gateway.exports.days import BusinessDays
from gateway.exports.feed import events_at, feed_pages
from gateway.exports.files import remove_leftovers, replace_atomically, write_marker
from gateway.exports.ledger import ExportLedger
from gateway.exports.manifests import (
    Manifest,
    first_exported_day,
    load_manifest,
    load_manifests,
    save_manifest,
)
from gateway.exports.port import ExportFormat, FileEntry, FileSummary
from gateway.exports.settings import ExportConfig
from gateway.exports.sla import ExportSla
from gateway.exports.sorting import ExternalSort, Item
from gateway.store.port import StoredEvent
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
    read: int = 0
    written: list[Manifest] = field(default_factory=list)
    late: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        files = ", ".join(f"{m.file_name} ({m.record_count} records)" for m in self.written)
        text = f"read the feed to position {self.through}; wrote {files or 'nothing'}"
        late = ", ".join(f"{day}: {n}" for day, n in sorted(self.late.items()))
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
        self.ledger = ExportLedger(store, name)
        self.types = tuple(sorted(set(config.events)))
        self.sla = ExportSla(name, config.sla, self.days, store)

    def file_name(self, day: date) -> str:
        return self.config.file_name.format(job=self.name, day=day)

    def marker_name(self, day: date) -> str:
        return self.config.marker_name.format(job=self.name, day=day)

    # --- the scheduled run ---------------------------------------------------------------

    def run(self) -> ExportReport:
        """Read the feed since the last run; write every closed day not yet complete."""
        now = self.clock()
        start, head = self.ledger.position(), self.store.head_position()
        due = self.days_due(now)
        fresh = [day for day in due if load_manifest(self.store, self.name, day) is None]
        report = ExportReport(self.name, head)
        failed: list[str] = []
        with ExternalSort() as sorter:
            totals = self._gather(sorter, fresh, start, head, report)
            self._write_fresh(fresh, sorter.merged(), totals, (start, head), report, failed)
        self.ledger.move(start, head, now=now.timestamp())
        for day in due:  # written before but left incomplete (no marker): as a rerun
            if day not in fresh:
                self._attempt(partial(self.rerun, day), report, failed)
        if failed:
            raise ExportError(f"{report}; failed: {'; '.join(failed)}")
        return report

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

    def _gather(
        self, sorter: ExternalSort, days: list[date], start: int, head: int, report: ExportReport
    ) -> dict[str, DayTotals]:
        """Sort the new events of `days`; set the others aside; then add those set aside."""
        wanted = {day.isoformat(): DayTotals() for day in days}
        written = {m.business_day.isoformat(): m.through_position
                   for m in load_manifests(self.store, self.name, limit=100_000)}  # fmt: skip
        for page in feed_pages(self.store, self.types, after=start, through=head,
                               size=self.config.page_size):  # fmt: skip
            aside, late = [], []
            for event, found, entry in self._entries(page):
                totals = wanted.get(found)
                if totals is not None:
                    totals.add(entry, event.position)
                    sorter.add(as_item(found, entry, event.position))
                elif found not in written:
                    aside.append((found, event.position))
                elif event.position > written[found]:
                    aside.append((found, event.position))
                    late.append(event.position)
                    report.late[found] = report.late.get(found, 0) + 1
            report.read += len(page)
            self.ledger.set_aside(aside, late=late)
        for day in days:
            self._add_set_aside(sorter, wanted, day, up_to=start)
        return wanted

    def _add_set_aside(
        self, sorter: ExternalSort, wanted: dict[str, DayTotals], day: date, *, up_to: int
    ) -> None:
        for positions in self.ledger.positions(day, up_to=up_to):
            for event, found, entry in self._entries(events_at(self.store, positions)):
                if found == day.isoformat():
                    wanted[found].add(entry, event.position)
                    sorter.add(as_item(found, entry, event.position))

    def _entries(
        self, events: Iterable[StoredEvent]
    ) -> Iterator[tuple[StoredEvent, str, FileEntry]]:
        """Each event the format takes, with its business day as text."""
        days: dict[date, str] = {}
        entry_of, calendar = self.format.entry, self.days
        for event in events:
            entry = entry_of(event, calendar)
            if entry is not None:
                day = days.get(entry.business_day)
                if day is None:
                    day = days[entry.business_day] = entry.business_day.isoformat()
                yield event, day, entry

    def _write_fresh(
        self, days: list[date], merged: Iterator[Item], totals: dict[str, DayTotals],
        scan: tuple[int, int], report: ExportReport, failed: list[str],
    ) -> None:  # fmt: skip
        groups = groupby(merged, key=itemgetter(0))
        pending = next(groups, None)
        for day in days:
            items: Iterator[Item] = iter(())
            if pending is not None and pending[0] == day.isoformat():
                items, pending = pending[1], None
            day_totals = totals[day.isoformat()]
            refusal = day_totals.refusal(self.name, day)
            if refusal is None:
                report.written.append(self.write_day(day, items, day_totals, scan=scan))
            else:  # kept for a rerun once its events can be written
                self.ledger.set_aside([(day.isoformat(), item[2]) for item in items])
                log.error("%s", refusal)
                failed.append(refusal)
            if pending is None:
                pending = next(groups, None)

    def _attempt(self, write: Callable[[], Manifest], report: ExportReport,
                 failed: list[str]) -> None:  # fmt: skip
        try:
            report.written.append(write())
        except ExportError as exc:
            log.error("%s", exc)
            failed.append(str(exc))

    # --- a day written again -------------------------------------------------------------

    def rerun(self, day: date) -> Manifest:
        """Write `day`'s file again with every event of it in the feed now, replacing it."""
        if day > self.days.last_closed(self.clock()):
            raise ExportError(f"export {self.name}: business day {day} has not ended yet")
        start, head = self.ledger.position(), self.store.head_position()
        before = load_manifest(self.store, self.name, day)
        scan = (before.scan_from, before.scan_to) if before else (start, head)
        ranges = [scan, (max(start, scan[1]), head)] if before else [scan]
        with ExternalSort() as sorter:
            wanted = {day.isoformat(): DayTotals()}
            for after, through in ranges:
                for page in feed_pages(self.store, self.types, after=after, through=through,
                                       size=self.config.page_size):  # fmt: skip
                    for event, found, entry in self._entries(page):
                        if found in wanted:
                            wanted[found].add(entry, event.position)
                            sorter.add(as_item(found, entry, event.position))
            self._add_set_aside(sorter, wanted, day, up_to=start)
            return self.write_day(day, sorter.merged(), wanted[day.isoformat()], scan=scan,
                                  through=head)  # fmt: skip

    # --- writing one day -----------------------------------------------------------------

    def write_day(
        self, day: date, items: Iterator[Item], totals: DayTotals, *, scan: tuple[int, int],
        through: int | None = None,
    ) -> Manifest:  # fmt: skip
        """Write, rename and record `day`'s file, then its marker."""
        totals.refuse_problems(self.name, day)
        name = self.file_name(day)
        remove_leftovers(self.folder, name)
        previous = load_manifest(self.store, self.name, day)
        created = self._created_at(previous, totals)
        summary = FileSummary(day, created, totals.record_count, totals.net_total_minor)
        written = replace_atomically(self.folder, name, file_chunks(self.format, summary, items))
        exported_at = self.clock().timestamp()
        manifest = save_manifest(
            self.store,
            Manifest(
                self.name, day, name, self.marker_name(day), totals.first_position,
                totals.last_position, scan[0], scan[1], scan[1] if through is None else through,
                totals.record_count, totals.net_total_minor, written.sha256, written.size_bytes,
                created.isoformat(), exported_at, exported_at,
            ),
        )  # fmt: skip
        write_marker(self.folder, manifest.marker_name)
        log.info("export %s wrote %s: %d records", self.name, name, totals.record_count)
        self.sla.on_written(manifest)
        return manifest

    def _created_at(self, previous: Manifest | None, totals: DayTotals) -> datetime:
        """The header's creation time; kept from the last export when no event changed, so the
        same day exported again is the same file byte for byte."""
        same = previous is not None and (
            previous.record_count,
            previous.first_position,
            previous.last_position,
        ) == (totals.record_count, totals.first_position, totals.last_position)
        if previous is not None and same:
            return datetime.fromisoformat(previous.created_at)
        return self.days.now_local(self.clock()).replace(microsecond=0)

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


def _days(first: date, last: date) -> list[date]:
    return [first + n * ONE_DAY for n in range((last - first).days + 1)]
