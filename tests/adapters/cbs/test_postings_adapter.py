"""The CBS postings adapter on its own: records, envelope rules, commands and their ids.

Input is built from the spec's byte layout (spec_files.py), never from the adapter's layouts.
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from adapters.cbs import PostingsAdapter, postings_adapter
from adapters.cbs.ids import CBS_NAMESPACE, posting_command_id
from adapters.formats import Framing
from gateway.config import BatchSourceConfig
from gateway.domain.postings import ChargeFee, DepositFunds, ReversePosting, WithdrawFunds
from gateway.errors import ConfigError
from gateway.imports.ports import FileRejected, SourceRecord
from tests.adapters.cbs.spec_files import (
    BINARY,
    TEXT,
    Posting,
    detail,
    header,
    join,
    postings_file,
    postings_name,
    trailer,
)

BINARY_ADAPTER = PostingsAdapter("cbs-postings", framing=Framing.FIXED_BLOCK, encoding="cp037")
TEXT_ADAPTER = PostingsAdapter("cbs-postings", framing=Framing.LINES, encoding="cp1252")
HEADER = header("20240301", 1)
DEPOSIT = Posting("TXN0000000000001", "100200300400", "DEP", Decimal("125.50"), "GBP")


def read(data: bytes, adapter: PostingsAdapter = BINARY_ADAPTER) -> list[SourceRecord]:
    return list(adapter.read(io.BytesIO(data)))


def check(data: bytes, *, name: str = postings_name(), mode: str = BINARY) -> None:
    adapter = BINARY_ADAPTER if mode == BINARY else TEXT_ADAPTER
    envelope = adapter.envelope_check(name)
    for record in read(data, adapter):
        envelope.add(record)
    envelope.finish()


def only_detail(posting: Posting) -> SourceRecord:
    return read(postings_file([posting]))[1]


def command_of(posting: Posting) -> Any:
    record = only_detail(posting)
    return BINARY_ADAPTER.translate(record, file_name=postings_name())[0].command


def test_a_binary_file_and_its_text_mode_drop_read_as_the_same_records() -> None:
    postings = [DEPOSIT, Posting("TXN0000000000002", "100200300400", "WDL", Decimal("-3.10"))]

    binary = read(postings_file(postings))
    text = read(postings_file(postings, mode=TEXT), TEXT_ADAPTER)

    assert [(r.number, r.kind, r.error) for r in binary] == [
        (1, "header", None),
        (2, "detail", None),
        (3, "detail", None),
        (4, "trailer", None),
    ]
    assert [r.values for r in text] == [r.values for r in binary]
    assert binary[1].values["posting"].value_date == date(2024, 3, 1)


def test_a_deposit_becomes_deposit_funds_keyed_by_its_txn_ref() -> None:
    command = command_of(DEPOSIT)

    assert isinstance(command, DepositFunds)
    assert command.command_id == uuid.uuid5(CBS_NAMESPACE, "posting/TXN0000000000001")
    assert (command.account_no, command.posting_ref) == ("100200300400", "TXN0000000000001")
    assert (command.amount.amount, command.amount.currency) == (Decimal("125.50"), "GBP")
    assert command.narrative == "SALARY"


@pytest.mark.parametrize("amount", [Decimal("-40.00"), Decimal("40.00")])
def test_a_withdrawal_posts_its_magnitude_whichever_sign_cbs_wrote(amount: Decimal) -> None:
    command = command_of(Posting("TXN0000000000002", "100200300400", "WDL", amount))

    assert isinstance(command, WithdrawFunds)
    assert command.amount.amount == Decimal("40.00")


def test_a_fee_and_a_reversal_become_their_commands() -> None:
    fee = command_of(Posting("TXN0000000000003", "100200300400", "FEE", Decimal("-1.00")))
    reversal = command_of(
        Posting("TXN0000000000004", "100200300400", "REV", Decimal("1.00"),
                reverses_ref="TXN0000000000003")
    )  # fmt: skip

    assert isinstance(fee, ChargeFee)
    assert isinstance(reversal, ReversePosting)
    assert (reversal.reverses_ref, reversal.currency) == ("TXN0000000000003", "EUR")


def test_the_same_txn_ref_in_any_file_is_the_same_command() -> None:
    first = BINARY_ADAPTER.translate(only_detail(DEPOSIT), file_name=postings_name(seq=1))
    resent = BINARY_ADAPTER.translate(only_detail(DEPOSIT), file_name=postings_name(seq=2))

    assert first[0].command.command_id == resent[0].command.command_id
    assert first[0].source_ref != resent[0].source_ref
    assert posting_command_id("TXN0000000000001") == first[0].command.command_id


@pytest.mark.parametrize(
    ("posting", "field", "reason"),
    [
        (Posting("T1", "1", "XFR"), "DTL-TXN-CODE", "Input should be 'DEP', 'WDL', 'FEE', 'INT'"),
        (Posting("T1", "1", amount=Decimal("0.00")), "DTL-AMOUNT", "the amount is zero"),
        (Posting("T1", "1", "DEP", Decimal("-5.00")), "DTL-AMOUNT", "a credit is positive"),
        (Posting("T1", "1", "INT", Decimal("-5.00")), "DTL-AMOUNT", "a credit is positive"),
        (Posting("T1", "1", "REV"), "DTL-REVERSES-REF", "must name the posting it reverses"),
        (Posting("T1", "1", "REV", reverses_ref="T1"), "DTL-REVERSES-REF", "cannot reverse itself"),
        (Posting("T1", "1", reverses_ref="T0"), "DTL-REVERSES-REF", "only a REV names a posting"),
        (Posting("T1", "1", currency="eur"), "DTL-CURRENCY", "should match pattern"),
        (Posting("T1", "1", value_date="20241301"), "DTL-VALUE-DATE", "is not a valid date"),
        (Posting("T1", "1", value_date="2024031X"), "DTL-VALUE-DATE", "not a date in the form"),
        (Posting("T1", ""), "DTL-ACCOUNT-NO", "at least 1 character"),
    ],
)
def test_a_detail_breaking_its_own_rules_is_refused_alone(
    posting: Posting, field: str, reason: str
) -> None:
    record = only_detail(posting)

    assert record.error is not None
    assert (record.number, record.error.field) == (2, field)
    assert reason in record.error.reason


def test_an_unknown_record_type_is_refused_and_not_counted_as_a_detail() -> None:
    stray = b"\xe7" + detail(DEPOSIT)[1:]  # 'X' in EBCDIC
    data = join([HEADER, stray, trailer(0, Decimal(0))], mode=BINARY)

    records = read(data)
    check(data)

    assert records[1].error is not None and records[1].error.field == "REC-TYPE"


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (postings_file([DEPOSIT]), "postings.dat", "file name 'postings.dat' is not CBS_POSTINGS_"),
        (postings_file([DEPOSIT]), "CBS_POSTINGS_20240231_001.DAT", "carries no valid date"),
        (b"", postings_name(), "the file is empty"),
        (
            join([HEADER, HEADER, trailer(0, Decimal(0))], mode=BINARY),
            postings_name(), "record 2: a header that is not the first record",
        ),
        (
            postings_file([DEPOSIT]) + trailer(1, DEPOSIT.amount),
            postings_name(), "record 4: a record after the trailer (record 3)",
        ),
        (
            postings_file([DEPOSIT])[:-60], postings_name(),
            "record 3: the trailer cannot be read: file ends after 60",
        ),
    ],
    ids=["name", "name-date", "empty", "two-headers", "two-trailers", "trailer-cut"],
)  # fmt: skip
def test_a_broken_envelope_rejects_the_file(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(FileRejected) as refused:
        check(data, name=name)

    assert reason in refused.value.reason


def test_the_control_total_is_the_signed_sum_of_the_details() -> None:
    postings = [DEPOSIT, Posting("T2", "1", "WDL", Decimal("-125.50"))]

    check(postings_file(postings, total=Decimal("0.00")))
    with pytest.raises(FileRejected, match=r"the trailer totals 251.00, the details sum to 0.00"):
        check(postings_file(postings, total=Decimal("251.00")))


def test_an_unreadable_amount_leaves_the_total_unchecked_but_the_count_checked() -> None:
    data = bytearray(postings_file([DEPOSIT, DEPOSIT], total=Decimal("1.00")))
    data[120 + 38] = data[120 + 38] & 0xF0 | 0x0A  # record 2's sign nibble: A

    check(bytes(data))
    with pytest.raises(FileRejected, match="counts 3 detail records, the file has 2"):
        check(postings_file([DEPOSIT, DEPOSIT], count=3))


def test_a_quarantined_record_decodes_again_from_its_raw_bytes() -> None:
    record = only_detail(DEPOSIT)

    again = BINARY_ADAPTER.decode(record.raw, number=record.number)

    assert again == record


def test_the_factory_reads_framing_and_defaults_the_encoding_to_what_cbs_sends() -> None:
    def source(**settings: Any) -> BatchSourceConfig:
        return BatchSourceConfig(kind="batch", adapter="adapters.cbs:postings_adapter",
                                 landing="var/landing/cbs-postings", **settings)  # fmt: skip

    assert postings_adapter("p", source()).encoding == "cp037"
    text = postings_adapter("p", source(options={"framing": "lines"}))
    assert (text.framing, text.encoding) == (Framing.LINES, "cp1252")
    with pytest.raises(ConfigError, match=r"sources.p.options.framing: Input should be"):
        postings_adapter("p", source(options={"framing": "blocks"}))
    with pytest.raises(ConfigError, match=r"sources.p.options.sort: unknown key"):
        postings_adapter("p", source(options={"sort": True}))
    with pytest.raises(ConfigError, match=r"sources.p.encoding: 'utf-16' cannot read CBS"):
        postings_adapter("p", source(encoding="utf-16"))


def test_a_text_mode_line_cut_short_is_refused_alone_and_still_counted() -> None:
    second = Posting("TXN0000000000002", "100200300400", "DEP", Decimal("1.00"))
    lines = postings_file([DEPOSIT, second], mode=TEXT).split(b"\r\n")
    lines[1] = lines[1].rstrip()  # an editor trimmed the trailing filler of record 2
    data = b"\r\n".join(lines)

    records = read(data, TEXT_ADAPTER)
    check(data, mode=TEXT)

    assert records[1].error is not None
    assert records[1].error.reason.startswith("line has ")
    assert [r.error is None for r in records] == [True, False, True, True]
