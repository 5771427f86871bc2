"""The format codecs' one error tree: what can go wrong reading or writing a legacy file.

A `RecordError` quarantines one record, a `FileError` rejects the file, the rest are defects.
"""

from __future__ import annotations

from typing import ClassVar


class FormatError(Exception):
    """Base of every error raised by `adapters.formats`.

    FormatError
    ├── LayoutError            a layout or copybook we cannot use (found at start-up)
    ├── FileError              the file as a whole does not fit (CSV header, line framing)
    ├── RecordError            one record cannot be decoded: number, field, reason, raw bytes
    │   ├── TruncatedRecordError   the file ends in the middle of a record
    │   └── RowError               one delimited (CSV) row; numbered by line
    └── EncodeError            a value does not fit its field when writing a record
    """


class LayoutError(FormatError):
    """A layout, field type or copybook definition is unusable; `line` is the copybook line."""

    def __init__(self, reason: str, field: str | None = None, line: int | None = None) -> None:
        super().__init__(reason, field, line)
        self.reason = reason
        self.field = field
        self.line = line

    def __str__(self) -> str:
        where = [f"copybook line {self.line}"] if self.line is not None else []
        where += [f"field {self.field}"] if self.field is not None else []
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class FileError(FormatError):
    """The file as a whole cannot be read this way; nothing in it should be imported."""

    def __init__(self, line_number: int, reason: str) -> None:
        super().__init__(line_number, reason)
        self.line_number = line_number
        self.reason = reason

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.reason}"


class RecordError(FormatError):
    """One record cannot be decoded; the rest of the file may go on.

    `field` is None when the record as a whole is wrong (its length, its record type).
    """

    unit: ClassVar[str] = "record"

    def __init__(
        self, record_number: int, field: str | None, reason: str, raw: bytes = b""
    ) -> None:
        super().__init__(record_number, field, reason, raw)
        self.record_number = record_number
        self.field = field
        self.reason = reason
        self.raw = raw

    def __str__(self) -> str:
        field = f", field {self.field}" if self.field is not None else ""
        return f"{self.unit} {self.record_number}{field}: {self.reason}"


class TruncatedRecordError(RecordError):
    """The file ends part-way through its last record (an interrupted transfer)."""


class RowError(RecordError):
    """One row of a delimited file cannot be read; `record_number` is its first line."""

    unit: ClassVar[str] = "line"

    @property
    def line_number(self) -> int:
        return self.record_number


class EncodeError(FormatError):
    """A value cannot be written into its field: wrong type, too long, too large, too precise."""

    def __init__(self, field: str, reason: str, record_number: int | None = None) -> None:
        super().__init__(field, reason, record_number)
        self.field = field
        self.reason = reason
        self.record_number = record_number

    def __str__(self) -> str:
        record = f"record {self.record_number}, " if self.record_number is not None else ""
        return f"{record}field {self.field}: {self.reason}"
