"""The CBS accounts adapter on its own: rows, their commands and ids, and file-level refusals.

Files are written as the spec describes them: cp1252, `;`, a header row, DD.MM.YYYY dates.
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

import pytest

from adapters.cbs import AccountsAdapter, accounts_adapter
from adapters.cbs.ids import CBS_NAMESPACE
from gateway.config import BatchSourceConfig
from gateway.domain.account_lifecycle import (
    CloseAccount,
    FreezeAccount,
    OpenAccount,
    UnfreezeAccount,
)
from gateway.errors import ConfigError
from gateway.imports.ports import FileRejected, SourceRecord
from tests.adapters.cbs.spec_files import AccountLine, accounts_file, accounts_name

ADAPTER = AccountsAdapter("cbs-accounts", encoding="cp1252")


def read(data: bytes) -> list[SourceRecord]:
    return list(ADAPTER.read(io.BytesIO(data)))


def commands(line: AccountLine, business_date: str = "20240301") -> list[Any]:
    record = read(accounts_file([line]))[0]
    envelopes = ADAPTER.translate(record, file_name=accounts_name(business_date))
    return [e.command for e in envelopes]


@pytest.mark.parametrize(
    ("status", "kind"), [("O", UnfreezeAccount), ("F", FreezeAccount), ("C", CloseAccount)]
)
def test_a_row_opens_its_account_then_asks_for_its_status(status: str, kind: type) -> None:
    opening, change = commands(AccountLine("100000000001", status=status, currency="GBP"))

    assert isinstance(opening, OpenAccount)
    assert (opening.account_no, opening.customer_no, opening.product) == (
        "100000000001",
        "10000001",
        "CURRENT",
    )
    assert (opening.currency, opening.opened_on, opening.branch) == (
        "GBP",
        date(2024, 2, 1),
        "0042",
    )
    assert isinstance(change, kind)
    assert change.effective_on == date(2024, 3, 1)


def test_the_opening_id_is_the_accounts_own_and_the_status_id_the_days() -> None:
    today = commands(AccountLine("100000000001", status="F"), "20240301")
    tomorrow = commands(AccountLine("100000000001", status="F"), "20240302")

    assert today[0].command_id == tomorrow[0].command_id
    assert today[0].command_id == uuid.uuid5(CBS_NAMESPACE, "account/100000000001/opened")
    assert today[1].command_id != tomorrow[1].command_id
    assert today[1].command_id == uuid.uuid5(CBS_NAMESPACE, "account/100000000001/F/20240301")


def test_rows_are_numbered_by_the_line_they_start_on() -> None:
    body = (
        "ACCOUNT_NO;CUST_NO;PRODUCT;CURRENCY;OPEN_DATE;BRANCH;STATUS\r\n"
        '100000000001;10000001;"CURRENT\r\nPLUS";EUR;01.02.2024;0042;O\r\n'
        "100000000002;10000001;CURRENT;EUR;01.02.2024;0042;O\r\n"
    )

    records = read(body.encode("cp1252"))

    assert [(r.number, r.error) for r in records] == [(2, None), (4, None)]
    assert records[0].values["account"].product == "CURRENT\r\nPLUS"


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        (
            AccountLine("1", open_date="2024-02-01"),
            "OPEN_DATE",
            "not a date in the form DD.MM.YYYY",
        ),
        (AccountLine("1", open_date="30.02.2024"), "OPEN_DATE", "is not a valid date"),
        (AccountLine("1", status="Z"), "STATUS", "Input should be 'O', 'F' or 'C'"),
        (AccountLine("1", currency="EURO"), "CURRENCY", "should match pattern"),
        (AccountLine(""), "ACCOUNT_NO", "at least 1 character"),
    ],
)
def test_a_bad_row_is_refused_with_its_column(line: AccountLine, field: str, reason: str) -> None:
    record = read(accounts_file([line]))[0]

    assert record.error is not None
    assert (record.number, record.error.field) == (2, field)
    assert reason in record.error.reason


def test_a_row_with_too_few_columns_is_refused_alone() -> None:
    data = accounts_file([AccountLine("100000000001")]) + b"100000000002;10000001\r\n"

    records = read(data)

    assert records[1].error is not None
    assert records[1].error.reason == "has 2 columns, the header has 7"


def test_cp1252_text_and_a_utf8_bom_are_read_as_cbs_meant_them() -> None:
    line = AccountLine("100000000001", product="Épargne €")

    assert read(accounts_file([line]))[0].values["account"].product == "Épargne €"
    assert read(accounts_file([AccountLine("1")], bom=True))[0].error is None


def test_a_file_without_the_expected_header_is_refused_whole() -> None:
    with pytest.raises(FileRejected, match="record 1: header is 'ACCOUNT;STATUS'"):
        read(b"ACCOUNT;STATUS\r\n1;O\r\n")


def test_a_file_name_without_a_business_date_is_refused() -> None:
    with pytest.raises(FileRejected, match=r"is not CBS_ACCOUNTS_YYYYMMDD\.csv"):
        ADAPTER.envelope_check("accounts.csv")


def test_the_business_date_in_the_name_is_part_of_the_files_identity() -> None:
    assert ADAPTER.name_key(accounts_name("20240301")) == "20240301"


def test_a_quarantined_row_decodes_again_from_its_raw_bytes() -> None:
    record = read(accounts_file([AccountLine("100000000001", status="Z")]))[0]

    again = ADAPTER.decode(record.raw, number=record.number)

    assert again == record


def test_the_factory_defaults_to_cp1252_and_takes_no_options() -> None:
    def source(**settings: Any) -> BatchSourceConfig:
        return BatchSourceConfig(kind="batch", adapter="adapters.cbs:accounts_adapter",
                                 landing="var/landing/cbs-accounts", **settings)  # fmt: skip

    assert accounts_adapter("a", source()).layout.encoding == "cp1252"
    with pytest.raises(ConfigError, match=r"sources.a.options.framing: unknown key"):
        accounts_adapter("a", source(options={"framing": "lines"}))
