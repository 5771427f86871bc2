"""What the import engine asks of a legacy file adapter: read records, check the envelope,
translate a record into commands. The engine knows no legacy format; adapters know no store.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

from gateway.commands import Envelope

RecordKind = Literal["header", "detail", "trailer"]
ApplyOrder = Literal["file", "stream"]
"""How pass 2 may order a file's records: as the file has them, or grouped by stream (each
stream's records still in file order), which loads each stream's state once per file."""


class ByteStream(Protocol):
    """What a file is read through: `open(path, "rb")`, `io.BytesIO`, the engine's staging read."""

    def read(self, size: int, /) -> bytes: ...


class SourceRecord(NamedTuple):
    """One record of a legacy file as its adapter read it (a tuple: a file has millions).

    `number` counts records from 1 (the line number for line-framed files, the line a row
    starts on for CSV, the header being line 1). `error` is set when the record could not be
    decoded or validated; `values` then holds what could be read.
    """

    number: int
    raw: bytes
    kind: RecordKind
    values: Mapping[str, Any] = {}  # shared default: read only, never mutated
    error: RecordProblem | None = None


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """Why one record was refused: the field at fault and a reason a person can act on."""

    reason: str
    field: str | None = None
    code: str = "invalid_record"


class FileRejected(Exception):
    """The file breaks a file-level rule (header, trailer, counts, totals): no event from it."""

    def __init__(self, reason: str, *, record: int | None = None) -> None:
        where = f"record {record}: " if record is not None else ""
        super().__init__(f"{where}{reason}")
        self.reason = f"{where}{reason}"


class RecordRejected(Exception):
    """A decoded record breaks its own rules; it is quarantined, the rest of the file goes on."""

    def __init__(self, problem: RecordProblem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


class EnvelopeCheck(Protocol):
    """Pass 1: sees every record in order and refuses the file if its envelope is wrong."""

    def add(self, record: SourceRecord) -> None:
        """Raise `FileRejected` as soon as the file is known to be wrong."""

    def finish(self) -> None:
        """Raise `FileRejected` if the file ended without a valid envelope."""


class BatchAdapter(Protocol):
    """One legacy file format of one legacy system."""

    apply_order: ApplyOrder
    """"stream" when each record's commands name one stream and no record of the file depends
    on another stream's records (CBS postings: the spec asks for order within an account);
    "file" otherwise."""

    def read(self, stream: ByteStream) -> Iterator[SourceRecord]:
        """Stream the file's records, decoding each; memory stays flat.

        A file that cannot be framed at all raises `FileRejected` with the record (line) number.
        """
        ...

    def name_key(self, file_name: str) -> str:
        """What of the file's name is part of its identity, besides its content ('' if nothing).

        The claim is unique on source + SHA-256, so a renamed copy is not imported twice. That
        is right when the records carry their own identity (CBS postings: TXN-REF); when the
        name carries meaning (a statement's business date), the same rows under another date
        are another file, and this key joins the content in the hash.
        """
        ...

    def envelope_check(self, file_name: str) -> EnvelopeCheck:
        """A fresh pass-1 checker for the file called `file_name`."""
        ...

    def translate(self, record: SourceRecord, *, file_name: str) -> list[Envelope]:
        """The commands a detail record stands for; raise `RecordRejected` to quarantine it.

        Each command's id is the record's identity (from the legacy key, deterministic): the
        import claims it for the record it applies, so the same record in any later file is
        skipped, and a record refused holds no claim. Asked in pass 1 and again in pass 2.
        """
        ...

    def decode(self, raw: bytes, *, number: int) -> SourceRecord:
        """One record again from its raw bytes, for replaying a quarantined record."""
        ...
