"""The export index: each exported event's detail record, filed under its business day.

The feed is read once per job, in pages, from the job's position; records and position commit
together. A day's file is then one ordered read of its records, in flat memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from prometheus_client import Counter
from sqlalchemy.engine import Connection

from gateway.errors import ExportError
from gateway.exports.days import BusinessDays
from gateway.exports.port import ExportFormat, FileEntry
from gateway.store.decoding import decode_row
from gateway.store.port import StoredEvent
from gateway.store.sql import EVENT_COLUMNS, SqlEventStore

log = logging.getLogger(__name__)
LATE_EVENTS = Counter(
    "gateway_export_late_events_total", "Events appended after their day was exported", ["job"]
)
ENTRY_COLUMNS = "job, business_day, sort_key, happened_at, position, amount_minor, record, problem"


@dataclass(slots=True)
class IndexReport:
    """One catch-up: events filed, the feed position reached, late events per exported day."""

    filed: int = 0
    through: int = 0
    late: dict[date, int] = field(default_factory=dict)


class ExportIndex:
    def __init__(
        self, store: SqlEventStore, job: str, fmt: ExportFormat, days: BusinessDays, *,
        events: Iterable[str], page_size: int,
    ) -> None:  # fmt: skip
        self.store = store
        self.job = job
        self.format = fmt
        self.days = days
        self.events = tuple(sorted(set(events)))
        self.page_size = page_size

    def position(self) -> int:
        rows = self.store.fetch("SELECT position FROM export_positions WHERE job = ?", (self.job,))
        return int(rows[0][0]) if rows else 0

    def catch_up(self, *, now: float) -> IndexReport:
        """File every exported event up to the feed's head; count late ones of exported days."""
        report = IndexReport(through=self.position())
        head = self.store.head_position()
        exported = self._exported_days()
        for page in self._pages(report.through, head):
            last = page[-1].position if len(page) == self.page_size else head
            entries = [(e, f) for e in page if (f := self.format.entry(e, self.days)) is not None]
            late = self._file(entries, previous=report.through, reached=last, now=now,
                              exported=exported)  # fmt: skip
            report.filed += len(entries)
            report.through = last
            for day, count in late.items():
                report.late[day] = report.late.get(day, 0) + count
        if report.through < head:
            self._advance(report.through, head, now=now)
            report.through = head
        self._announce(report.late)
        return report

    def _pages(self, after: int, head: int) -> Iterator[list[StoredEvent]]:
        """The job's event types with positions in (`after`, `head`], a page at a time."""
        marks = ", ".join("?" * len(self.events))
        statement = (
            f"SELECT {EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ? "
            f"AND type IN ({marks}) ORDER BY position LIMIT ?"
        )
        while True:
            rows = self.store.fetch(statement, (after, head, *self.events, self.page_size))
            if not rows:
                return
            page = [decode_row(row) for row in rows]
            yield page
            if len(page) < self.page_size:
                return
            after = page[-1].position

    def _file(
        self, entries: Sequence[tuple[StoredEvent, FileEntry]], *, previous: int, reached: int,
        now: float, exported: set[str],
    ) -> dict[date, int]:  # fmt: skip
        rows = [
            (self.job, f.business_day.isoformat(), f.sort_key, e.recorded_at, e.position,
             f.amount_minor, f.record, f.problem)
            for e, f in entries
        ]  # fmt: skip
        with self.store.transaction() as tx:
            if rows:
                tx.connection.exec_driver_sql(
                    self.store.sql(
                        f"INSERT INTO export_entries ({ENTRY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?) "
                        "ON CONFLICT DO NOTHING"
                    ),
                    rows,
                )
            late = _late(entries, exported)
            for day, positions in late.items():
                _mark_late(self.store, tx.connection, self.job, day, positions)
            self._move(tx.connection, previous, reached, now=now)
        return {date.fromisoformat(day): len(p) for day, p in late.items()}

    def _advance(self, previous: int, reached: int, *, now: float) -> None:
        with self.store.transaction() as tx:
            self._move(tx.connection, previous, reached, now=now)

    def _move(self, conn: Connection, previous: int, reached: int, *, now: float) -> None:
        """Compare and set: a position moved by someone else fails the whole page."""
        conn.exec_driver_sql(
            self.store.sql(
                "INSERT INTO export_positions (job, position, updated_at) VALUES (?, 0, ?) "
                "ON CONFLICT (job) DO NOTHING"
            ),
            (self.job, now),
        )
        moved = conn.exec_driver_sql(
            self.store.sql(
                "UPDATE export_positions SET position = ?, updated_at = ? "
                "WHERE job = ? AND position = ?"
            ),
            (reached, now, self.job, previous),
        ).rowcount
        if not moved:
            raise ExportError(f"export {self.job}: its feed position moved under it; run again")

    def _exported_days(self) -> set[str]:
        rows = self.store.fetch(
            "SELECT business_day FROM export_manifests WHERE job = ?", (self.job,)
        )
        return {row[0] for row in rows}

    def _announce(self, late: dict[date, int]) -> None:
        for day, count in sorted(late.items()):
            LATE_EVENTS.labels(self.job).inc(count)
            log.warning(
                "export %s: %d events for %s arrived after its file was written; "
                "`gateway exports rerun %s %s` replaces it", self.job, count, day, self.job, day,
                extra={"export": self.job, "business_day": day.isoformat(), "late": count},
            )  # fmt: skip


def _late(
    entries: Sequence[tuple[StoredEvent, FileEntry]], exported: set[str]
) -> dict[str, list[int]]:
    """Positions filed under days whose file was already written."""
    late: dict[str, list[int]] = {}
    for event, entry in entries:
        day = entry.business_day.isoformat()
        if day in exported:
            late.setdefault(day, []).append(event.position)
    return late


def _mark_late(
    store: SqlEventStore, conn: Connection, job: str, day: str, positions: list[int]
) -> None:
    conn.exec_driver_sql(
        store.sql(
            "UPDATE export_manifests SET late_count = late_count + ?, "
            "late_first_position = COALESCE(late_first_position, ?), late_last_position = ? "
            "WHERE job = ? AND business_day = ?"
        ),
        (len(positions), min(positions), max(positions), job, day),
    )
