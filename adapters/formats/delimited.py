"""Delimited (CSV) files: a header row checked against the expected columns, then streamed rows.

Each source states its dialect (separator, quote) and encoding; a UTF-8 BOM is dropped.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import KW_ONLY, dataclass
from typing import NamedTuple

from adapters.formats.errors import FileError, LayoutError, RowError
from adapters.formats.framing import BUFFER_SIZE, ByteSource, iter_lines

UTF8_BOM = codecs.BOM_UTF8


@dataclass(frozen=True)
class DelimitedLayout:
    """The columns a source's delimited file must have, in order, and how it is written.

    Only encodings in which bytes 0x0A, separator and quote mean themselves (ASCII, cp1252,
    latin-1, UTF-8); not EBCDIC or UTF-16.
    """

    columns: tuple[str, ...]
    _: KW_ONLY
    encoding: str
    separator: str = ","
    quote: str = '"'

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        if not self.columns or len(set(self.columns)) != len(self.columns):
            raise LayoutError(f"columns must be unique and at least one: {self.columns}")
        if len(self.separator) != 1 or len(self.quote) != 1 or self.separator == self.quote:
            raise LayoutError(f"separator {self.separator!r}, quote {self.quote!r}: need 2 chars")
        _check_ascii_compatible(self.encoding, "\n" + self.separator + self.quote)


class DelimitedRow(NamedTuple):
    """One data row: the line it starts on, its values by column, its raw bytes."""

    line_number: int
    values: dict[str, str]
    raw: bytes


def read_rows(
    source: ByteSource, layout: DelimitedLayout, *, buffer_size: int = BUFFER_SIZE
) -> Iterator[DelimitedRow | RowError]:
    """Every data row, a bad row (column count, quoting, bytes) yielded as its `RowError`.

    A missing or different header row raises `FileError`: no row of the file is usable. Empty
    lines hold no row and are skipped.
    """
    feed = _LineFeed(iter_lines(source, buffer_size=buffer_size), layout.encoding)
    reader = csv.reader(feed, delimiter=layout.separator, quotechar=layout.quote, strict=True)
    _check_header(reader, feed, layout)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line_number, raw, _ = feed.take_row()
            yield RowError(line_number, None, f"cannot be parsed: {exc}", raw)
            continue
        row = _row(fields, feed, layout)
        if row is not None:
            yield row


class _LineFeed:
    """Decoded lines for `csv.reader`, remembering the raw bytes and first line of each row."""

    def __init__(self, lines: Iterator[bytes], encoding: str) -> None:
        self._lines = lines
        self._encoding = encoding
        self._line_number = 0
        self._row: list[bytes] = []
        self._row_start = 1
        self._undecodable = False

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._line_number += 1
        if not self._row:
            self._row_start = self._line_number
        self._row.append(line)
        if self._line_number == 1:
            line = line.removeprefix(UTF8_BOM)
        try:
            return line.decode(self._encoding)
        except UnicodeDecodeError:
            self._undecodable = True
            return line.decode(self._encoding, errors="replace")

    def take_row(self) -> tuple[int, bytes, bool]:
        """The row just parsed: its first line number, raw bytes, whether a byte was invalid."""
        taken = (self._row_start, b"".join(self._row), self._undecodable)
        self._row, self._undecodable = [], False
        return taken


def _check_header(reader: Iterator[list[str]], feed: _LineFeed, layout: DelimitedLayout) -> None:
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise FileError(1, f"header row cannot be parsed: {exc}") from None
    _, raw, undecodable = feed.take_row()
    if header is None:
        raise FileError(1, "the file is empty; a header row is required")
    found = tuple(name.strip() for name in header)
    if undecodable or found != layout.columns:
        expected = layout.separator.join(layout.columns)
        shown = raw.removeprefix(UTF8_BOM).decode(layout.encoding, errors="replace").rstrip()
        raise FileError(1, f"header is {shown!r}, expected {expected!r}")


def _row(
    fields: list[str], feed: _LineFeed, layout: DelimitedLayout
) -> DelimitedRow | RowError | None:
    line_number, raw, undecodable = feed.take_row()
    if not fields:
        return None
    if undecodable:
        return RowError(line_number, None, f"holds bytes that are not valid {layout.encoding}", raw)
    if len(fields) != len(layout.columns):
        reason = f"has {len(fields)} columns, the header has {len(layout.columns)}"
        return RowError(line_number, None, reason, raw)
    return DelimitedRow(line_number, dict(zip(layout.columns, fields, strict=True)), raw)


def _check_ascii_compatible(encoding: str, characters: str) -> None:
    try:
        encoded = characters.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        raise LayoutError(f"encoding {encoding!r} cannot write {characters!r}") from None
    if encoded != characters.encode("ascii", errors="replace"):
        raise LayoutError(f"encoding {encoding!r} does not write {characters!r} as ASCII does")
