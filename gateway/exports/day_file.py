"""One business day's file: its totals from the index, then header, ordered records, trailer.

Records are read from the index in file order, a page at a time, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from gateway.errors import ExportError
from gateway.exports.port import ExportFormat, FileSummary
from gateway.store.sql import SqlEventStore

PAGE = 20_000
ORDER = "sort_key, happened_at, position"


@dataclass(frozen=True, slots=True)
class DayTotals:
    """What the index holds for a day: the control totals and any record it could not render."""

    record_count: int
    net_total_minor: int
    first_position: int | None
    last_position: int | None
    problems: tuple[tuple[int, str], ...] = ()


def day_totals(store: SqlEventStore, job: str, day: date) -> DayTotals:
    key = (job, day.isoformat())
    rows = store.fetch(
        "SELECT COUNT(*), COALESCE(SUM(amount_minor), 0), MIN(position), MAX(position) "
        "FROM export_entries WHERE job = ? AND business_day = ?",
        key,
    )
    count, net, first, last = rows[0]
    problems = store.fetch(
        "SELECT position, problem FROM export_entries WHERE job = ? AND business_day = ? "
        "AND problem IS NOT NULL ORDER BY position LIMIT 20",
        key,
    )
    return DayTotals(int(count), int(net), first, last, tuple((p[0], p[1]) for p in problems))


def refuse_problems(job: str, day: date, totals: DayTotals) -> None:
    if totals.problems:
        listed = "; ".join(f"position {p}: {why}" for p, why in totals.problems[:5])
        raise ExportError(f"export {job} for {day}: events cannot be written: {listed}")


def file_chunks(
    store: SqlEventStore, job: str, fmt: ExportFormat, summary: FileSummary
) -> Iterator[bytes]:
    """The whole file, a chunk per page; the records must add up to the summary's totals."""
    end = fmt.line_end
    header = fmt.header(summary)
    if header is not None:
        yield header + end
    count = net = 0
    for page in _ordered_pages(store, job, summary.business_day):
        count += len(page)
        net += sum(amount for _, amount in page)
        yield b"".join([record + end for record, _ in page])
    if (count, net) != (summary.record_count, summary.net_total_minor):
        raise ExportError(f"export {job} for {summary.business_day}: records changed mid-write")
    trailer = fmt.trailer(summary)
    if trailer is not None:
        yield trailer + end


def _ordered_pages(store: SqlEventStore, job: str, day: date) -> Iterator[list[tuple[bytes, int]]]:
    """(record, amount) in file order; each page resumes after the last key of the one before."""
    where = "job = ? AND business_day = ?"
    first = f"SELECT {ORDER}, record, amount_minor FROM export_entries WHERE {where}"
    rows = store.fetch(f"{first} ORDER BY {ORDER} LIMIT ?", (job, day.isoformat(), PAGE))
    while rows:
        yield [(bytes(r[3]), int(r[4])) for r in rows]
        if len(rows) < PAGE:
            return
        last = rows[-1]
        rows = store.fetch(
            f"{first} AND ({ORDER}) > (?, ?, ?) ORDER BY {ORDER} LIMIT ?",
            (job, day.isoformat(), last[0], last[1], last[2], PAGE),
        )
