"""Record framing: cut a byte stream into numbered records, in large reads and constant memory.

Fixed-block files (no separators, binary transfer) and line files (CRLF or LF after each record).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Protocol

from adapters.formats.errors import FileError, LayoutError, RecordError, TruncatedRecordError

BUFFER_SIZE = 1 << 20
MAX_LINE_LENGTH = 1 << 20

# What framing yields: (record number from 1, raw bytes), or the error of a record that
# cannot be cut out (wrong length, truncated), in file order so it can be quarantined.
Framed = tuple[int, bytes] | RecordError


class ByteSource(Protocol):
    """A binary file object: `open(path, "rb")`, `io.BytesIO`, an upload's stream."""

    def read(self, size: int, /) -> bytes: ...


class Framing(StrEnum):
    """How a source frames its records; named in each source's configuration."""

    FIXED_BLOCK = "fixed-block"
    LINES = "lines"


def read_fixed_blocks(
    source: ByteSource, *, record_length: int, buffer_size: int = BUFFER_SIZE
) -> Iterator[Framed]:
    """Records of exactly `record_length` bytes back to back; a short tail is truncated."""
    _check_record_length(record_length)
    return _fixed_blocks(source, record_length, max(1, buffer_size // record_length))


def _fixed_blocks(
    source: ByteSource, record_length: int, records_per_read: int
) -> Iterator[Framed]:
    chunk = records_per_read * record_length
    number, pending = 0, b""
    while block := source.read(chunk):
        data = pending + block if pending else block
        whole = len(data) - len(data) % record_length
        for start in range(0, whole, record_length):
            number += 1
            yield number, data[start : start + record_length]
        pending = data[whole:]
    if pending:
        yield _truncated(number + 1, pending, record_length)


def read_lines(
    source: ByteSource, *, record_length: int, buffer_size: int = BUFFER_SIZE
) -> Iterator[Framed]:
    """One record per line, CRLF or LF after each; the record number is the line number.

    A line of another length is a `RecordError`; a last line cut short without its line end
    is a `TruncatedRecordError`. A full-length last line may lack its line end.
    """
    _check_record_length(record_length)
    return _line_records(iter_lines(source, buffer_size=buffer_size), record_length)


def _line_records(lines: Iterator[bytes], record_length: int) -> Iterator[Framed]:
    for number, line in enumerate(lines, start=1):
        record = line[:-2] if line.endswith(b"\r\n") else line[:-1] if line[-1:] == b"\n" else line
        if len(record) == record_length:
            yield number, record
        elif record is line and len(record) < record_length:
            yield _truncated(number, record, record_length)
        else:
            reason = f"line has {len(record)} bytes, records are {record_length}"
            yield RecordError(number, None, reason, record)


def iter_lines(source: ByteSource, *, buffer_size: int = BUFFER_SIZE) -> Iterator[bytes]:
    """Each line with its b"\\n" (the last may lack it); an endless line is a `FileError`.

    Only for encodings where byte 0x0A is the line feed (ASCII, cp1252, UTF-8; not EBCDIC).
    """
    number, pending = 0, b""
    while block := source.read(buffer_size):
        lines = (pending + block if pending else block).split(b"\n")
        pending = lines.pop()
        number += len(lines)
        if len(pending) > MAX_LINE_LENGTH:
            reason = f"no line end within {MAX_LINE_LENGTH} bytes; is the framing right?"
            raise FileError(number + 1, reason)
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


def _truncated(number: int, raw: bytes, record_length: int) -> TruncatedRecordError:
    reason = f"file ends after {len(raw)} of the record's {record_length} bytes"
    return TruncatedRecordError(number, None, reason, raw)


def _check_record_length(record_length: int) -> None:
    if record_length < 1:
        raise LayoutError(f"record length must be at least 1 byte, not {record_length}")
