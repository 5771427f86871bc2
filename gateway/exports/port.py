"""What the export engine asks of a legacy file format: a detail record per event, header, trailer.

Formats live under `adapters/<system>/`, found by the dotted name in `exports.<job>.adapter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple, Protocol

from gateway.exports.days import BusinessDays
from gateway.store.port import StoredEvent


class FileEntry(NamedTuple):
    """One event's detail record, filed under its business day until that day's file is written.

    A NamedTuple: the feed is filed a million events a night, and a dataclass costs more.

    Records of a day are written in (`sort_key`, time recorded, position) order. `amount_minor`
    (signed, minor units) adds up to the control total. A record that cannot be rendered has a
    `problem` instead: its day's file is then refused until the event is dealt with.
    """

    business_day: date
    sort_key: str
    amount_minor: int
    record: bytes | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What a header or trailer may state: the day, when the file was made, its totals."""

    business_day: date
    created_at: datetime
    record_count: int
    net_total_minor: int


class ExportFormat(Protocol):
    """A legacy file layout: the engine streams, sorts, totals and writes the bytes it renders."""

    @property
    def line_end(self) -> bytes:
        """Written after every record (b"" for fixed blocks)."""
        ...

    def entry(self, event: StoredEvent, days: BusinessDays) -> FileEntry | None:
        """The event's detail record, or None when the file takes nothing of it."""
        ...

    def header(self, summary: FileSummary) -> bytes | None: ...

    def trailer(self, summary: FileSummary) -> bytes | None: ...


class ExportFormatFactory(Protocol):
    def __call__(self, job: str, options: Mapping[str, str]) -> ExportFormat: ...
