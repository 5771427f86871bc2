"""Pass 1's reading of every detail record, spooled to disk in the order pass 2 applies them.

Pass 2 applies what pass 1 read, decoded and translated, from this spool: it decodes nothing
and translates nothing again, and the values applied are those checked.

The order is the file's, or, for an adapter whose records each stand for one stream
(`apply_order = "stream"`), the records grouped by stream, each stream's in file order: every
account's state is then loaded once however the file is sorted. Records that come in that
order already (a file sorted by account) are written as they come, a block at a time; the
others are sorted in runs and merged back when read. Memory holds a run while it is written
and a block of each run while it is read.
"""

from __future__ import annotations

import heapq
import itertools
import marshal
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from gateway.commands import Envelope
from gateway.imports.packing import ModelPacker
from gateway.imports.ports import RecordProblem

BLOCK = 1_000
RUN_RECORDS = 20_000
"""Records sorted in memory at a time when they come out of order (about 15 MB)."""
RUN_BLOCK = 250
"""A sorted run is read back this many records at a time: the merge holds a block of each."""

# (stream, number, raw, problem, envelopes): ordered by stream, then record number
Item = tuple[str, int, bytes, Any, list[Any]]
Block = tuple[int, int, int]  # offset, size, records


class SpooledRecord(NamedTuple):
    """A detail record as pass 1 left it: refused on its own (`problem`), or its commands."""

    number: int
    raw: bytes
    problem: RecordProblem | None
    envelopes: list[Envelope]


class RecordSpool:
    """Detail records on a temporary file, in pass 2's order, written and read in blocks."""

    def __init__(self, folder: Path, *, by_stream: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed in `close`)
        self._packer = ModelPacker()
        self.by_stream = by_stream
        self._pending: list[Item] = []
        self._runs: list[list[Block]] = []
        self._in_order = True  # the pending records go on from the last run in order
        self._tail = ""  # the stream of the last record written or pending
        self.runs_sorted = 0

    def add(self, number: int, raw: bytes, envelopes: Sequence[Envelope], stream: str) -> None:
        """A record and its commands, all of them for `stream` when ordered by stream."""
        pack = self._packer.pack
        key = stream if self.by_stream else ""
        self._append((key, number, raw, None, [
            (pack(e.command), e.source, e.source_ref, e.correlation_id, e.traceparent)
            for e in envelopes
        ]))  # fmt: skip

    def refuse(self, number: int, raw: bytes, problem: RecordProblem) -> None:
        """A record refused alone; it stays where it came (it changes no stream)."""
        self._append((self._tail, number, raw, (problem.reason, problem.field, problem.code), []))

    def _append(self, item: Item) -> None:
        if item[0] < self._tail:
            self._in_order = False
        self._tail = item[0]
        self._pending.append(item)
        if self._in_order:
            if len(self._pending) >= BLOCK:
                self._extend_run()
        elif len(self._pending) >= RUN_RECORDS:
            self._write_sorted_run()

    def _extend_run(self) -> None:
        """The pending records, in order after the last run's: that run goes on with them."""
        if not self._runs:
            self._runs.append([])
        self._runs[-1].append(self._write(self._pending))
        self._pending = []

    def _write_sorted_run(self) -> None:
        """The pending records sorted, as a run of their own; later ones may go on from it."""
        self._pending.sort()
        self._runs.append([
            self._write(self._pending[start : start + RUN_BLOCK])
            for start in range(0, len(self._pending), RUN_BLOCK)
        ])  # fmt: skip
        self.runs_sorted += 1
        self._tail = self._pending[-1][0]
        self._pending, self._in_order = [], True

    def _write(self, items: list[Item]) -> Block:
        block = marshal.dumps(items)
        offset = self._file.seek(0, 2)
        self._file.write(block)
        return offset, len(block), len(items)

    def read(self, *, after: int = 0) -> Iterator[SpooledRecord]:
        """The records in pass 2's order, past the first `after` (a resumed import's)."""
        if self._pending and self._in_order:
            self._extend_run()
        elif self._pending:
            self._write_sorted_run()
        unpack, new = self._packer.unpack, tuple.__new__  # NamedTuples' own __new__ is Python
        items: Iterator[Item]
        if len(self._runs) <= 1:
            items = self._read_run(self._runs[0] if self._runs else [], skip=after)
        else:
            merged = heapq.merge(*(self._read_run(run) for run in self._runs))
            items = itertools.islice(merged, after, None)
        for _, number, raw, problem, envelopes in items:
            yield new(SpooledRecord, (
                number, raw, None if problem is None else RecordProblem(*problem),
                [new(Envelope, (unpack(entry[0]), *entry[1:])) for entry in envelopes],
            ))  # fmt: skip

    def _read_run(self, blocks: list[Block], *, skip: int = 0) -> Iterator[Item]:
        """A run's records, a block read at a time (whole blocks skipped unread)."""
        for offset, size, count in blocks:
            if skip >= count:
                skip -= count
                continue
            self._file.seek(offset)
            items: list[Item] = marshal.loads(self._file.read(size))
            yield from items[skip:] if skip else items
            skip = 0

    def close(self) -> None:
        self._file.close()
        self._pending, self._runs = [], []
