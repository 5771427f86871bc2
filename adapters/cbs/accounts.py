"""The CBS accounts file as a batch source: each row states an account as CBS sees it today.

A new account is opened; status F freezes, C closes, O unfreezes; an unchanged row adds nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import ValidationError

from adapters.cbs.files import ACCOUNTS_COLUMNS, ACCOUNTS_NAME, business_date
from adapters.cbs.ids import opening_command_id, status_command_id
from adapters.cbs.records import AccountRow, problem_of
from adapters.cbs.settings import AccountsOptions, encoding_of, read_options
from adapters.formats import DelimitedLayout, DelimitedRow, FileError, LayoutError, read_rows
from adapters.formats.errors import RowError
from gateway.commands import Envelope
from gateway.config import BatchSourceConfig
from gateway.domain.account_lifecycle import (
    CloseAccount,
    FreezeAccount,
    OpenAccount,
    UnfreezeAccount,
)
from gateway.domain.messages import Command
from gateway.errors import ConfigError
from gateway.imports.ports import (
    ApplyOrder,
    ByteStream,
    FileRejected,
    RecordProblem,
    RecordRejected,
    SourceRecord,
)

ACCOUNT = "account"
"""Where a row's validated `AccountRow` sits in `SourceRecord.values`."""

STATUS_COMMANDS: dict[str, type[FreezeAccount | UnfreezeAccount | CloseAccount]] = {
    "O": UnfreezeAccount,
    "F": FreezeAccount,
    "C": CloseAccount,
}


def translate_account_row(
    row: AccountRow, *, business_date: date, source: str, source_ref: str
) -> list[Envelope]:
    """Open the account (a no-op when it is open on these terms), then set its status.

    The adapter knows no state, so every row asks for both; the account's decider answers an
    unchanged row with no events. O asks for an unfreeze, which an open account ignores.
    """
    opening = OpenAccount(
        command_id=opening_command_id(row.account_no),
        account_no=row.account_no,
        customer_no=row.customer_no,
        product=row.product,
        currency=row.currency,
        opened_on=row.opened_on,
        branch=row.branch,
    )
    status: Command = STATUS_COMMANDS[row.status](
        command_id=status_command_id(row.account_no, row.status, business_date),
        account_no=row.account_no,
        effective_on=business_date,
    )
    return [
        Envelope(opening, source=source, source_ref=source_ref),
        Envelope(status, source=source, source_ref=source_ref),
    ]


class AccountsEnvelope:
    """The accounts file has no header record or trailer: only a name with its business date."""

    def __init__(self, file_name: str) -> None:
        self.business_date = business_date(file_name, ACCOUNTS_NAME)

    def add(self, record: SourceRecord) -> None:
        pass

    def finish(self) -> None:
        pass


class AccountsAdapter:
    """CBS_ACCOUNTS_<YYYYMMDD>.csv: `;`-separated, a header row, cp1252 (a UTF-8 BOM allowed)."""

    apply_order: ApplyOrder = "file"  # a row an account: grouping them would gain nothing

    def __init__(self, source: str, *, encoding: str) -> None:
        self.source = source
        self.layout = DelimitedLayout(ACCOUNTS_COLUMNS, encoding=encoding, separator=";")

    def read(self, stream: ByteStream) -> Iterator[SourceRecord]:
        try:
            for row in read_rows(stream, self.layout):
                yield self._validated(row)
        except FileError as exc:
            raise FileRejected(exc.reason, record=exc.line_number) from None

    def name_key(self, file_name: str) -> str:
        """The business date: the same rows on another day are that day's statement.

        Otherwise a day whose rows happen to equal an earlier day's (frozen on Friday, open on
        Saturday, frozen again on Sunday) would be taken for a copy and never applied.
        """
        match = ACCOUNTS_NAME.fullmatch(file_name)
        return match[1] if match else ""

    def envelope_check(self, file_name: str) -> AccountsEnvelope:
        return AccountsEnvelope(file_name)

    def translate(self, record: SourceRecord, *, file_name: str) -> list[Envelope]:
        row = record.values.get(ACCOUNT)
        if row is None:
            raise RecordRejected(record.error or RecordProblem("not an account row"))
        day = business_date(file_name, ACCOUNTS_NAME)
        source_ref = f"{file_name} line {record.number}"
        try:
            return translate_account_row(
                row, business_date=day, source=self.source, source_ref=source_ref
            )
        except ValidationError as exc:
            raise RecordRejected(problem_of(exc)) from None

    def decode(self, raw: bytes, *, number: int) -> SourceRecord:
        """A quarantined row again, read under the file's header row."""
        header = ";".join(ACCOUNTS_COLUMNS).encode(self.layout.encoding) + b"\r\n"
        rows = list(read_rows(io.BytesIO(header + raw), self.layout))
        if len(rows) != 1:
            problem = RecordProblem(f"holds {len(rows)} rows, not one", code="undecodable_record")
            return SourceRecord(number, raw, "detail", {}, problem)
        return self._validated(rows[0], number=number)

    def _validated(
        self, row: DelimitedRow | RowError, *, number: int | None = None
    ) -> SourceRecord:
        if isinstance(row, RowError):
            problem = RecordProblem(row.reason, field=row.field, code="undecodable_record")
            return SourceRecord(number or row.record_number, row.raw, "detail", {}, problem)
        values: dict[str, Any] = dict(row.values)
        line = number or row.line_number
        try:
            values[ACCOUNT] = AccountRow.model_validate(values)
        except ValidationError as exc:
            return SourceRecord(line, row.raw, "detail", values, problem_of(exc))
        return SourceRecord(line, row.raw, "detail", values)


def accounts_adapter(name: str, config: BatchSourceConfig) -> AccountsAdapter:
    """The factory `config.yaml` names: `adapter: adapters.cbs:accounts_adapter`."""
    read_options(AccountsOptions, name, config)
    encoding = encoding_of(config, "cp1252")
    try:
        return AccountsAdapter(name, encoding=encoding)
    except LayoutError as exc:
        raise ConfigError(f"sources.{name}.encoding: {encoding!r} cannot read CBS: {exc}") from None
