"""The CBS postings copybook, read exactly as the mainframe team publishes it, and its variants.

Also what the copybook reader refuses, with the line that made it refuse.
"""

from __future__ import annotations

import pytest

from adapters.formats import (
    Filler,
    LayoutError,
    MultiRecordLayout,
    Number,
    Packed,
    SignedNumber,
    Text,
    parse_copybook,
)
from tests.formats.conftest import CBS_COPYBOOK


def _positions(postings: MultiRecordLayout, record_type: str) -> list[tuple[str, int, int]]:
    return [(f.name, f.offset, f.length) for f in postings.layout_for(record_type).fields]


def test_the_copybook_declares_the_base_record_and_three_record_types() -> None:
    copybook = parse_copybook(CBS_COPYBOOK, encoding="cp037")
    assert list(copybook.records) == [
        "CBS-POSTING-RECORD",
        "CBS-HEADER",
        "CBS-DETAIL",
        "CBS-TRAILER",
    ]
    assert copybook.record("CBS-POSTING-RECORD").field("REC-TYPE").kind == Text(1)


def test_every_postings_record_type_is_120_bytes(binary_postings: MultiRecordLayout) -> None:
    assert binary_postings.record_length == 120
    assert {k: v.record_length for k, v in binary_postings.record_types.items()} == {
        "H": 120,
        "D": 120,
        "T": 120,
    }
    assert binary_postings.discriminator.offset == 0


def test_header_offsets(binary_postings: MultiRecordLayout) -> None:
    assert _positions(binary_postings, "H") == [
        ("FILLER", 0, 1),
        ("HDR-BUSINESS-DATE", 1, 8),
        ("HDR-SOURCE", 9, 8),
        ("HDR-FILE-SEQ", 17, 3),
        ("FILLER", 20, 100),
    ]


def test_detail_offsets_put_the_packed_amount_at_32(binary_postings: MultiRecordLayout) -> None:
    assert _positions(binary_postings, "D") == [
        ("FILLER", 0, 1),
        ("DTL-TXN-REF", 1, 16),
        ("DTL-ACCOUNT-NO", 17, 12),
        ("DTL-TXN-CODE", 29, 3),
        ("DTL-AMOUNT", 32, 7),
        ("DTL-CURRENCY", 39, 3),
        ("DTL-VALUE-DATE", 42, 8),
        ("DTL-NARRATIVE", 50, 30),
        ("DTL-REVERSES-REF", 80, 16),
        ("FILLER", 96, 24),
    ]
    detail = binary_postings.layout_for("D")
    assert detail.field("DTL-AMOUNT").kind == Packed(11, 2)
    assert detail.field("DTL-VALUE-DATE").kind == Number(8)


def test_trailer_offsets(binary_postings: MultiRecordLayout) -> None:
    assert _positions(binary_postings, "T") == [
        ("FILLER", 0, 1),
        ("TRL-RECORD-COUNT", 1, 9),
        ("TRL-TOTAL-AMOUNT", 10, 9),
        ("FILLER", 19, 101),
    ]
    assert binary_postings.layout_for("T").field("TRL-TOTAL-AMOUNT").kind == Packed(15, 2)


def test_the_text_mode_variant_carries_display_amounts_in_120_bytes(
    binary_postings: MultiRecordLayout, text_postings: MultiRecordLayout
) -> None:
    assert text_postings.encoding == "cp1252"
    assert {k: v.record_length for k, v in text_postings.record_types.items()} == {
        "H": 120,
        "D": 120,
        "T": 120,
    }
    detail = text_postings.layout_for("D")
    assert detail.field("DTL-AMOUNT").kind == SignedNumber(11, 2, sign="leading")
    assert _positions(text_postings, "D")[4:6] == [("DTL-AMOUNT", 32, 14), ("DTL-CURRENCY", 46, 3)]
    assert detail.fields[-1].kind == Filler(17)
    trailer = text_postings.layout_for("T")
    assert (trailer.field("TRL-TOTAL-AMOUNT").length, trailer.fields[-1].kind) == (18, Filler(92))
    assert _positions(text_postings, "H") == _positions(binary_postings, "H")


def _fixed_format(sequence: int, code: str, indicator: str = " ") -> str:
    """A copybook line: sequence number, indicator, code in columns 8-72, identification."""
    return f"{sequence:06d}{indicator}{code:<65}PAYREC01"


def test_sequence_numbers_identification_area_and_spelled_out_clauses_are_read() -> None:
    lines = [
        _fixed_format(100, "01  PAYMENT-RECORD."),
        _fixed_format(200, "    05  PAY-AMOUNT   PICTURE IS S9(7)V99"),
        _fixed_format(300, "                     USAGE IS PACKED-DECIMAL."),
        _fixed_format(400, "    a comment line, PIC X(3).", indicator="*"),
        _fixed_format(500, "    05  PAY-FEE      PIC S9(3)"),
        _fixed_format(510, "                     SIGN IS TRAILING SEPARATE CHARACTER."),
        _fixed_format(600, "    05  PAY-STATUS   PIC X."),
        _fixed_format(700, "        88  PAY-OPEN VALUE 'O'."),
        _fixed_format(800, "    05               PIC XX."),
        _fixed_format(900, "    05  PAY-UNITS    PIC 9(3) COMPUTATIONAL-3."),
    ]
    copybook = parse_copybook("\n".join(lines), encoding="cp037")
    record = copybook.record("PAYMENT-RECORD")
    assert [(f.name, f.kind) for f in record.fields] == [
        ("PAY-AMOUNT", Packed(7, 2)),
        ("PAY-FEE", SignedNumber(3, sign="trailing")),
        ("PAY-STATUS", Text(1)),
        ("FILLER", Filler(2)),
        ("PAY-UNITS", Packed(3, signed=False)),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "05 AMOUNT PIC S9(7)V99 COMP.",
            "copybook line 2, field AMOUNT: usage COMP is not supported",
        ),
        ("05 AMOUNT PIC S9(7)V99.", "field AMOUNT: PIC S9\\(7\\)V99 without SIGN SEPARATE"),
        ("05 AMOUNT PIC S9(7) SIGN LEADING.", "SIGN LEADING without SEPARATE"),
        ("05 AMOUNT PIC 9(7) SIGN LEADING SEPARATE.", "has a SIGN clause but no S"),
        ("05 CODES PIC X(3) OCCURS 4.", "field CODES: clause OCCURS is not supported"),
        ("05 GROUP-ITEM.", "field GROUP-ITEM: has no PIC clause"),
        ("05 NAME PIC X(3) COMP-3.", "PIC X\\(3\\) is text; it cannot be packed"),
        ("05 RATE PIC 9V9(3)P.", "PIC 9V9\\(3\\)P is not supported"),
        ("05 AMOUNT PIC 9(40).", "a number needs 1 to 31 digits"),
        ("66 ALIAS RENAMES X.", "level 66 is not supported"),
        (
            "05 NAME PIC X(3)",
            "copybook line 2, field NAME: the last entry does not end with a period",
        ),
    ],
)
def test_an_unsupported_entry_names_its_line_and_field(line: str, message: str) -> None:
    text = f"       01  SOME-RECORD.\n           {line}\n"
    with pytest.raises(LayoutError, match=message):
        parse_copybook(text, encoding="cp037")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("       05  ORPHAN PIC X.", "copybook line 1, field ORPHAN: a field before any 01"),
        ("       01  A.\n       01  B REDEFINES C.", "line 2, field B: REDEFINES C, which is not"),
        (
            "       01  A.\n      -    05 X PIC X.",
            "line 2: column 7 indicator '-' is not supported",
        ),
        ("      * only a comment", "declares no 01-level record"),
        ("       01  A.", "layout A has no fields"),
    ],
)
def test_a_malformed_copybook_is_a_layout_error(text: str, message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        parse_copybook(text, encoding="cp037")


def test_dispatch_needs_records_and_a_field_the_copybook_has() -> None:
    copybook = parse_copybook(CBS_COPYBOOK, encoding="cp037")
    with pytest.raises(LayoutError, match="no record CBS-FOOTER"):
        copybook.dispatch(on="REC-TYPE", record_types={"F": "CBS-FOOTER"})
    with pytest.raises(LayoutError, match="field RECORD-KIND: no record of the copybook"):
        copybook.dispatch(on="RECORD-KIND", record_types={"H": "CBS-HEADER"})
