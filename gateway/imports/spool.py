"""Pass 1's reading of every detail record, spooled to disk in file order for pass 2.

Pass 2 applies what pass 1 read, decoded and translated, from this spool: it decodes nothing
and translates nothing again, and the values applied are those checked. Memory holds a block.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from gateway.commands import Envelope
from gateway.imports.packing import ModelPacker
from gateway.imports.ports import RecordProblem

BLOCK = 1_000


class SpooledRecord(NamedTuple):
    """A detail record as pass 1 left it: refused on its own (`problem`), or its commands."""

    number: int
    raw: bytes
    problem: RecordProblem | None
    envelopes: list[Envelope]


class RecordSpool:
    """Detail records in file order on a temporary file, written and read in blocks."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed in `close`)
        self._packer = ModelPacker()
        self._pending: list[tuple[object, ...]] = []

    def add(self, number: int, raw: bytes, envelopes: Sequence[Envelope]) -> None:
        pack = self._packer.pack
        self._pending.append(
            (number, raw, None, [
                (pack(e.command), e.source, e.source_ref, e.correlation_id, e.traceparent)
                for e in envelopes
            ])
        )  # fmt: skip
        if len(self._pending) >= BLOCK:
            self._flush()

    def refuse(self, number: int, raw: bytes, problem: RecordProblem) -> None:
        self._pending.append((number, raw, (problem.reason, problem.field, problem.code), []))
        if len(self._pending) >= BLOCK:
            self._flush()

    def _flush(self) -> None:
        block = marshal.dumps(self._pending)
        self._file.write(len(block).to_bytes(8, "big") + block)
        self._pending = []

    def read(self, *, after: int = 0) -> Iterator[SpooledRecord]:
        """The records numbered past `after`, in file order (a resumed import skips the rest)."""
        if self._pending:
            self._flush()
        self._file.seek(0)
        unpack, new = self._packer.unpack, tuple.__new__  # NamedTuples' own __new__ is Python
        while size := int.from_bytes(self._file.read(8), "big"):
            block = marshal.loads(self._file.read(size))
            if block[-1][0] <= after:
                continue
            for number, raw, problem, envelopes in block:
                if number <= after:
                    continue
                yield new(SpooledRecord, (
                    number, raw, None if problem is None else RecordProblem(*problem),
                    [new(Envelope, (unpack(entry[0]), *entry[1:])) for entry in envelopes],
                ))  # fmt: skip

    def close(self) -> None:
        self._file.close()
        self._pending = []
