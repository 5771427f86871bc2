"""The CBS postings file as a batch source: read, check, and translate into posting commands.

DEP, WDL, FEE and INT post money; REV reverses the posting its REVERSES-REF names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from adapters.cbs.envelope import AMOUNT, HEADER, TRAILER, TRUNCATED, PostingsEnvelope
from adapters.cbs.files import postings_file_layout
from adapters.cbs.ids import posting_command_id
from adapters.cbs.records import PostingRecord, PostingsHeader, PostingsTrailer, problem_of
from adapters.cbs.settings import DEFAULT_ENCODINGS, PostingsOptions, encoding_of, read_options
from adapters.formats import (
    DecodedRecord,
    FileError,
    Framing,
    LayoutError,
    Packed,
    RecordError,
    SignedNumber,
    TruncatedRecordError,
    read_records,
)
from gateway.commands import Envelope
from gateway.config import BatchSourceConfig
from gateway.domain.messages import Command, proven
from gateway.domain.money import Money
from gateway.domain.postings import (
    ChargeFee,
    CreditInterest,
    DepositFunds,
    PostingCommand,
    ReversePosting,
    WithdrawFunds,
)
from gateway.errors import ConfigError
from gateway.imports.ports import (
    ApplyOrder,
    ByteStream,
    FileRejected,
    RecordKind,
    RecordProblem,
    RecordRejected,
    SourceRecord,
)

POSTING = "posting"
"""Where a detail's validated `PostingRecord` sits in `SourceRecord.values`."""

POSTING_COMMANDS: dict[str, type[PostingCommand]] = {
    "DEP": DepositFunds,
    "WDL": WithdrawFunds,
    "FEE": ChargeFee,
    "INT": CreditInterest,
}
KINDS: dict[str, tuple[RecordKind, type[BaseModel] | None, str]] = {
    "CBS-HEADER": ("header", PostingsHeader, HEADER),
    "CBS-DETAIL": ("detail", PostingRecord, POSTING),
    "CBS-TRAILER": ("trailer", PostingsTrailer, TRAILER),
}


def translate_posting(posting: PostingRecord, *, source: str, source_ref: str) -> Envelope:
    """One detail as the command it stands for, its id from the TXN-REF (see `ids`).

    `PostingRecord` has proved every value the command holds (the copybook's widths keep the
    account number and TXN-REF within the domain's bounds, PIC V99 gives two places, the
    currency is three capitals), so the command and its Money are built without a second
    validation: a file import builds a million of them.
    """
    command: Command
    command_id = posting_command_id(posting.txn_ref)
    if posting.txn_code == "REV":
        command = proven(
            ReversePosting,
            command_id=command_id,
            account_no=posting.account_no,
            posting_ref=posting.txn_ref,
            reverses_ref=posting.reverses_ref,
            currency=posting.currency,
            value_date=posting.value_date,
            narrative=posting.narrative,
        )
    else:
        command = proven(
            POSTING_COMMANDS[posting.txn_code],
            command_id=command_id,
            account_no=posting.account_no,
            posting_ref=posting.txn_ref,
            amount=proven(Money, amount=posting.magnitude, currency=posting.currency),
            value_date=posting.value_date,
            narrative=posting.narrative,
        )
    return Envelope(command, source=source, source_ref=source_ref)


class PostingsAdapter:
    """CBS_POSTINGS_<YYYYMMDD>_<NNN>.DAT, in the framing and encoding the source names."""

    apply_order: ApplyOrder = "stream"  # a posting is one account's; order holds per account

    def __init__(self, source: str, *, framing: Framing, encoding: str) -> None:
        self.source = source
        self.framing = framing
        self.layout = postings_file_layout(framing=framing, encoding=encoding)
        self.encoding = self.layout.encoding
        self._detail_key = "D".encode(self.encoding)
        self._kinds: dict[bytes, RecordKind] = {
            "H".encode(self.encoding): "header",
            self._detail_key: "detail",
            "T".encode(self.encoding): "trailer",
        }
        self._amount = self.layout.layout_for("D").field(AMOUNT)

    def read(self, stream: ByteStream) -> Iterator[SourceRecord]:
        try:
            for item in read_records(stream, self.layout, framing=self.framing):
                if isinstance(item, DecodedRecord):
                    yield self._validated(item)
                elif item.raw:  # an empty line in a text-mode drop holds no record
                    yield self._undecodable(item)
        except FileError as exc:  # a line-mode file without line ends: nothing is a record
            raise FileRejected(exc.reason, record=exc.line_number) from None

    def name_key(self, file_name: str) -> str:
        return ""  # TXN-REF is each posting's identity: a renamed copy is the same file

    def envelope_check(self, file_name: str) -> PostingsEnvelope:
        return PostingsEnvelope(file_name, detail_key=self._detail_key)

    def translate(self, record: SourceRecord, *, file_name: str) -> list[Envelope]:
        posting = record.values.get(POSTING)
        if posting is None:
            raise RecordRejected(record.error or RecordProblem("not a detail record"))
        source_ref = f"{file_name} record {record.number}"
        return [translate_posting(posting, source=self.source, source_ref=source_ref)]

    def decode(self, raw: bytes, *, number: int) -> SourceRecord:
        try:
            return self._validated(self.layout.decode(number, raw))
        except RecordError as error:
            return self._undecodable(error)

    def _validated(self, decoded: DecodedRecord) -> SourceRecord:
        kind, model, key = KINDS[decoded.layout]
        values: dict[str, Any] = decoded.values
        try:
            values[key] = model.model_validate(values)  # type: ignore[union-attr]
        except ValidationError as exc:
            problem = problem_of(exc)
            return SourceRecord(decoded.record_number, decoded.raw, kind, values, problem)
        return SourceRecord(decoded.record_number, decoded.raw, kind, values)

    def _undecodable(self, error: RecordError) -> SourceRecord:
        kind = self._kinds.get(error.raw[:1], "detail")
        reason = f"{error.field}: {error.reason}" if error.field else error.reason
        code = TRUNCATED if isinstance(error, TruncatedRecordError) else "undecodable_record"
        problem = RecordProblem(reason, field=error.field, code=code)
        amount = self._amount_alone(error.raw) if kind == "detail" else None
        values = {} if amount is None else {AMOUNT: amount}
        return SourceRecord(error.record_number, error.raw, kind, values, problem)

    def _amount_alone(self, raw: bytes) -> Any:
        """DTL-AMOUNT of a detail whose other fields cannot be read, for the trailer total."""
        field = self._amount
        piece = raw[field.offset : field.end]
        if len(piece) != field.length:
            return None
        try:
            if isinstance(field.kind, Packed):
                return field.kind.parse(piece)
            if isinstance(field.kind, SignedNumber):
                return field.kind.parse(piece.decode(self.encoding))
        except (ValueError, UnicodeDecodeError):
            return None
        return None


def postings_adapter(name: str, config: BatchSourceConfig) -> PostingsAdapter:
    """The factory `config.yaml` names: `adapter: adapters.cbs:postings_adapter`."""
    options = read_options(PostingsOptions, name, config)
    encoding = encoding_of(config, DEFAULT_ENCODINGS[options.framing])
    try:
        return PostingsAdapter(name, framing=options.framing, encoding=encoding)
    except LayoutError as exc:
        raise ConfigError(f"sources.{name}.encoding: {encoding!r} cannot read CBS: {exc}") from None
