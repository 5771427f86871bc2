"""One business day's file: header, its records in file order, trailer, with control totals.

Totals are counted as records are gathered, so the header can state them before the records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from gateway.errors import ExportError
from gateway.exports.port import ExportFormat, FileEntry, FileSummary
from gateway.exports.sorting import Item

CHUNK = 5000


@dataclass(slots=True)
class DayTotals:
    """What a day's file will hold: record count, net total, position range, unwritable events."""

    record_count: int = 0
    net_total_minor: int = 0
    first_position: int | None = None
    last_position: int | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)

    def add(self, entry: FileEntry, position: int) -> None:
        if entry.problem is not None:
            self.problems.append((position, entry.problem))
            return
        self.record_count += 1
        self.net_total_minor += entry.amount_minor
        if self.first_position is None or position < self.first_position:
            self.first_position = position
        if self.last_position is None or position > self.last_position:
            self.last_position = position

    def refusal(self, job: str, day: date) -> str | None:
        """Why the day's file cannot be written, or None."""
        if not self.problems:
            return None
        listed = "; ".join(f"position {p}: {why}" for p, why in sorted(self.problems)[:5])
        return f"export {job} for {day}: events cannot be written: {listed}"

    def refuse_problems(self, job: str, day: date) -> None:
        refusal = self.refusal(job, day)
        if refusal is not None:
            raise ExportError(refusal)


def as_item(day: str, entry: FileEntry, position: int) -> Item:
    return (day, entry.sort_key, position, entry.amount_minor, entry.record, entry.problem)


def file_chunks(fmt: ExportFormat, summary: FileSummary, items: Iterable[Item]) -> Iterator[bytes]:
    """The whole file a chunk at a time; the records must add up to the summary's totals."""
    end = fmt.line_end
    header = fmt.header(summary)
    if header is not None:
        yield header + end
    count = net = 0
    chunk: list[bytes] = []
    for item in items:
        record = item[4]
        if record is None:
            raise ExportError(f"{summary.business_day}: position {item[2]} cannot be written")
        chunk.append(record + end)
        count += 1
        net += item[3]
        if len(chunk) == CHUNK:
            yield b"".join(chunk)
            chunk = []
    yield b"".join(chunk)
    if (count, net) != (summary.record_count, summary.net_total_minor):
        raise ExportError(f"{summary.business_day}: records do not add up to the totals")
    trailer = fmt.trailer(summary)
    if trailer is not None:
        yield trailer + end
