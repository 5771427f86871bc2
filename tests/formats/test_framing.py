"""Framing: fixed-block and line files cut into numbered records, however the reads fall.

A record the file cuts short comes out as an error, never silently dropped.
"""

from __future__ import annotations

import io

import pytest

from adapters.formats import (
    FileError,
    Framed,
    LayoutError,
    RecordError,
    TruncatedRecordError,
    iter_lines,
    read_fixed_blocks,
    read_lines,
)
from adapters.formats import framing as framing_module


class TrickleSource:
    """A source that hands out at most a few bytes per read, like a slow pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._step, self._at = data, step, 0

    def read(self, size: int, /) -> bytes:
        chunk = self._data[self._at : self._at + min(size, self._step)]
        self._at += len(chunk)
        return chunk


def _records(frames: list[Framed]) -> list[tuple[int, bytes]]:
    return [frame for frame in frames if not isinstance(frame, RecordError)]


@pytest.mark.parametrize("buffer_size", [1, 4, 5, 7, 1 << 20])
def test_fixed_blocks_are_cut_at_the_record_length_whatever_the_buffer(buffer_size: int) -> None:
    frames = list(
        read_fixed_blocks(io.BytesIO(b"AAAAABBBBBCCCCC"), record_length=5, buffer_size=buffer_size)
    )
    assert frames == [(1, b"AAAAA"), (2, b"BBBBB"), (3, b"CCCCC")]


def test_fixed_blocks_survive_short_reads() -> None:
    frames = list(read_fixed_blocks(TrickleSource(b"AAAAABBBBB", step=3), record_length=5))
    assert frames == [(1, b"AAAAA"), (2, b"BBBBB")]


def test_a_truncated_last_block_is_yielded_as_an_error() -> None:
    frames = list(read_fixed_blocks(io.BytesIO(b"AAAAABBBBBCC"), record_length=5, buffer_size=4))
    assert _records(frames) == [(1, b"AAAAA"), (2, b"BBBBB")]
    error = frames[-1]
    assert isinstance(error, TruncatedRecordError)
    assert (error.record_number, error.raw) == (3, b"CC")
    assert str(error) == "record 3: file ends after 2 of the record's 5 bytes"


def test_an_empty_file_has_no_records() -> None:
    assert list(read_fixed_blocks(io.BytesIO(b""), record_length=5)) == []
    assert list(read_lines(io.BytesIO(b""), record_length=5)) == []


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
@pytest.mark.parametrize("buffer_size", [1, 3, 8, 1 << 20])
def test_line_records_drop_their_line_end(line_end: bytes, buffer_size: int) -> None:
    data = line_end.join([b"AAAAA", b"BBBBB", b"CCCCC", b""])
    frames = list(read_lines(io.BytesIO(data), record_length=5, buffer_size=buffer_size))
    assert frames == [(1, b"AAAAA"), (2, b"BBBBB"), (3, b"CCCCC")]


def test_crlf_and_lf_may_be_mixed_and_the_last_line_end_may_be_missing() -> None:
    frames = list(read_lines(io.BytesIO(b"AAAAA\r\nBBBBB\nCCCCC"), record_length=5))
    assert frames == [(1, b"AAAAA"), (2, b"BBBBB"), (3, b"CCCCC")]


def test_a_last_line_cut_short_is_a_truncated_record() -> None:
    frames = list(read_lines(io.BytesIO(b"AAAAA\r\nBB"), record_length=5))
    assert frames[0] == (1, b"AAAAA")
    assert isinstance(frames[1], TruncatedRecordError)
    assert (frames[1].record_number, frames[1].raw) == (2, b"BB")


def test_a_line_of_the_wrong_length_is_an_error_and_reading_goes_on() -> None:
    frames = list(read_lines(io.BytesIO(b"AAAAA\nBBBB\n\nCCCCCC\nDDDDD\n"), record_length=5))
    assert _records(frames) == [(1, b"AAAAA"), (5, b"DDDDD")]
    errors = [frame for frame in frames if isinstance(frame, RecordError)]
    assert [(e.record_number, e.raw, type(e)) for e in errors] == [
        (2, b"BBBB", RecordError),
        (3, b"", RecordError),
        (4, b"CCCCCC", RecordError),
    ]
    assert str(errors[0]) == "record 2: line has 4 bytes, records are 5"


def test_iter_lines_keeps_line_ends_so_nothing_is_lost() -> None:
    data = b'a;b\r\nc;"d\ne"\nlast'
    assert b"".join(iter_lines(io.BytesIO(data), buffer_size=2)) == data
    assert list(iter_lines(io.BytesIO(data))) == [b"a;b\r\n", b'c;"d\n', b'e"\n', b"last"]


def test_a_file_without_line_ends_is_not_a_line_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing_module, "MAX_LINE_LENGTH", 16)
    with pytest.raises(FileError, match="line 2: no line end within 16 bytes"):
        list(read_lines(io.BytesIO(b"AAAAA\n" + b"B" * 40), record_length=5, buffer_size=8))


def test_a_record_length_below_one_is_a_layout_error() -> None:
    with pytest.raises(LayoutError, match="record length must be at least 1 byte, not 0"):
        read_fixed_blocks(io.BytesIO(b"A"), record_length=0)
    with pytest.raises(LayoutError):
        read_lines(io.BytesIO(b"A"), record_length=-1)
