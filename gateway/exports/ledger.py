"""An export's memory between runs: how far it read the feed, and the events it set aside.

Set aside are events of days a run was not writing: future value dates, days refused, and
late arrivals for days already written. A day's file takes them when that day is written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import date

from prometheus_client import Counter
from sqlalchemy.engine import Connection

from gateway.errors import ExportError
from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)
LATE_EVENTS = Counter(
    "gateway_export_late_events_total", "Events appended after their day was exported", ["job"]
)
PAGE = 50_000


class ExportLedger:
    def __init__(self, store: SqlEventStore, job: str) -> None:
        self.store = store
        self.job = job

    def position(self) -> int:
        rows = self.store.fetch("SELECT position FROM export_positions WHERE job = ?", (self.job,))
        return int(rows[0][0]) if rows else 0

    def move(self, previous: int, reached: int, *, now: float) -> None:
        """Compare and set: a position moved by someone else means two runs at once."""
        with self.store.transaction() as tx:
            conn = tx.connection
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

    def set_aside(self, entries: Sequence[tuple[str, int]], *, late: Sequence[int] = ()) -> None:
        """Keep (business day, position) pairs for later; `late` ones count against their day."""
        if not entries:
            return
        with self.store.transaction() as tx:
            tx.connection.exec_driver_sql(
                self.store.sql(
                    "INSERT INTO export_entries (job, business_day, position) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING"
                ),
                [(self.job, day, position) for day, position in entries],
            )
            if late:
                counted = set(late)
                self._count_late(tx.connection, [e for e in entries if e[1] in counted])

    def positions(self, day: date, *, up_to: int | None = None) -> Iterator[list[int]]:
        """The positions set aside for `day` (at most `up_to`), a page at a time."""
        after, limit = 0, up_to if up_to is not None else 2**62
        while True:
            rows = self.store.fetch(
                "SELECT position FROM export_entries WHERE job = ? AND business_day = ? "
                "AND position > ? AND position <= ? ORDER BY position LIMIT ?",
                (self.job, day.isoformat(), after, limit, PAGE),
            )
            if not rows:
                return
            yield [row[0] for row in rows]
            after = rows[-1][0]

    def _count_late(self, conn: Connection, late: Sequence[tuple[str, int]]) -> None:
        by_day: dict[str, list[int]] = {}
        for day, position in late:
            by_day.setdefault(day, []).append(position)
        for day, positions in sorted(by_day.items()):
            conn.exec_driver_sql(
                self.store.sql(
                    "UPDATE export_manifests SET late_count = late_count + ?, "
                    "late_first_position = COALESCE(late_first_position, ?), "
                    "late_last_position = ? WHERE job = ? AND business_day = ?"
                ),
                (len(positions), min(positions), max(positions), self.job, day),
            )
            LATE_EVENTS.labels(self.job).inc(len(positions))
            log.warning(
                "export %s: %d events for %s arrived after its file was written; "
                "`gateway exports rerun %s %s` replaces it", self.job, len(positions), day,
                self.job, day, extra={"export": self.job, "business_day": day},
            )  # fmt: skip
