"""A CBS postings file end to end: written with the copybook's layouts, read in both framings.

The binary drop (cp037, fixed-block, packed amounts) and the text-mode drop read the same.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from adapters.formats import (
    Date,
    DecodedRecord,
    FieldValue,
    Framing,
    MultiRecordLayout,
    RecordError,
    TruncatedRecordError,
    read_records,
)

HEADER: dict[str, FieldValue] = {
    "HDR-BUSINESS-DATE": 20240301,
    "HDR-SOURCE": "CBS",
    "HDR-FILE-SEQ": 1,
}
DEPOSIT: dict[str, FieldValue] = {
    "DTL-TXN-REF": "TXN0000000000001",
    "DTL-ACCOUNT-NO": "100200300400",
    "DTL-TXN-CODE": "DEP",
    "DTL-AMOUNT": Decimal("125.50"),
    "DTL-CURRENCY": "GBP",
    "DTL-VALUE-DATE": 20240301,
    "DTL-NARRATIVE": "Salary March",
    "DTL-REVERSES-REF": "",
}
WITHDRAWAL: dict[str, FieldValue] = {
    **DEPOSIT,
    "DTL-TXN-REF": "TXN0000000000002",
    "DTL-TXN-CODE": "WDL",
    "DTL-AMOUNT": Decimal("-100.00"),
    "DTL-NARRATIVE": "Cash machine",
}
TRAILER: dict[str, FieldValue] = {"TRL-RECORD-COUNT": 2, "TRL-TOTAL-AMOUNT": Decimal("25.50")}


def _postings_file(postings: MultiRecordLayout, line_end: bytes = b"") -> bytes:
    records = [
        postings.encode("H", HEADER),
        postings.encode("D", DEPOSIT),
        postings.encode("D", WITHDRAWAL),
        postings.encode("T", TRAILER),
    ]
    return b"".join(record + line_end for record in records)


def _read(
    data: bytes, postings: MultiRecordLayout, framing: Framing
) -> list[DecodedRecord | RecordError]:
    return list(read_records(io.BytesIO(data), postings, framing=framing))


def _meaning(items: list[DecodedRecord | RecordError]) -> list[tuple[int, str, object]]:
    assert all(isinstance(item, DecodedRecord) for item in items)
    return [(r.record_number, r.layout, r.values) for r in items if isinstance(r, DecodedRecord)]


def test_a_binary_postings_file_decodes_header_details_and_trailer(
    binary_postings: MultiRecordLayout,
) -> None:
    data = _postings_file(binary_postings)
    assert len(data) == 480
    assert data[0:1] == b"\xc8"  # 'H' in EBCDIC
    items = _read(data, binary_postings, Framing.FIXED_BLOCK)
    assert [(r.record_number, r.layout) for r in items if isinstance(r, DecodedRecord)] == [
        (1, "CBS-HEADER"),
        (2, "CBS-DETAIL"),
        (3, "CBS-DETAIL"),
        (4, "CBS-TRAILER"),
    ]
    assert [r.values for r in items if isinstance(r, DecodedRecord)] == [
        HEADER,
        DEPOSIT,
        WITHDRAWAL,
        TRAILER,
    ]


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
def test_a_text_mode_drop_reads_the_same_as_the_binary_file(
    binary_postings: MultiRecordLayout, text_postings: MultiRecordLayout, line_end: bytes
) -> None:
    binary = _read(_postings_file(binary_postings), binary_postings, Framing.FIXED_BLOCK)
    text = _read(_postings_file(text_postings, line_end), text_postings, Framing.LINES)
    assert _meaning(text) == _meaning(binary)
    assert len(_meaning(text)) == 4


def test_a_text_mode_detail_carries_the_amount_as_the_spec_shows(
    text_postings: MultiRecordLayout,
) -> None:
    line = (
        "D"
        + "TXN0000000000001"
        + "100200300400"
        + "DEP"
        + "+0000000012550"
        + "GBP"
        + "20240301"
        + "Salary March".ljust(30)
        + " " * 16
        + " " * 17
    ).encode("cp1252")
    assert len(line) == 120
    record = text_postings.decode(2, line)
    assert record.values["DTL-AMOUNT"] == Decimal("125.50")
    assert record.values["DTL-CURRENCY"] == "GBP"


def test_a_bad_packed_nibble_rejects_only_its_detail(binary_postings: MultiRecordLayout) -> None:
    data = bytearray(_postings_file(binary_postings))
    data[120 + 38] = 0x5A  # last byte of record 2's DTL-AMOUNT: sign nibble A
    items = _read(bytes(data), binary_postings, Framing.FIXED_BLOCK)
    error = items[1]
    assert isinstance(error, RecordError)
    assert (error.record_number, error.field, len(error.raw)) == (2, "DTL-AMOUNT", 120)
    assert "sign nibble A, not C, D or F" in str(error)
    assert [type(item) for item in items] == [
        DecodedRecord,
        RecordError,
        DecodedRecord,
        DecodedRecord,
    ]


def test_an_unknown_record_type_is_rejected_with_its_record_number(
    binary_postings: MultiRecordLayout,
) -> None:
    data = bytearray(_postings_file(binary_postings))
    data[240] = 0xE7  # 'X' in EBCDIC
    error = _read(bytes(data), binary_postings, Framing.FIXED_BLOCK)[2]
    assert str(error) == "record 3, field REC-TYPE: record type 'X' is none of 'H', 'D', 'T'"


def test_a_file_cut_off_mid_record_ends_in_a_truncated_record(
    binary_postings: MultiRecordLayout,
) -> None:
    data = _postings_file(binary_postings)[: 3 * 120 + 50]
    items = _read(data, binary_postings, Framing.FIXED_BLOCK)
    assert len(items) == 4
    assert isinstance(items[3], TruncatedRecordError)
    assert items[3].record_number == 4


def test_business_and_value_dates_can_be_read_as_dates(binary_postings: MultiRecordLayout) -> None:
    dated = binary_postings.retyped({"HDR-BUSINESS-DATE": Date(), "DTL-VALUE-DATE": Date()})
    items = _read(_postings_file(binary_postings), dated, Framing.FIXED_BLOCK)
    assert isinstance(items[0], DecodedRecord)
    assert isinstance(items[1], DecodedRecord)
    assert items[0].values["HDR-BUSINESS-DATE"] == date(2024, 3, 1)
    assert items[1].values["DTL-VALUE-DATE"] == date(2024, 3, 1)
