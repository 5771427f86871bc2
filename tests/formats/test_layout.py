"""Record layouts declared in Python: offsets, decoding in an explicit encoding, writing records.

Also the multi-record dispatch of header, detail and trailer by their record-type byte.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapters.formats import (
    Date,
    EncodeError,
    Field,
    FieldValue,
    Filler,
    LayoutError,
    MultiRecordLayout,
    Number,
    Packed,
    RecordError,
    RecordLayout,
    SignedNumber,
    Text,
    pic,
)

# The STMT statement-printing detail line (stmt.md): 80 ASCII characters.
STMT_DETAIL = RecordLayout(
    "STMT-DETAIL",
    [
        Field("RECORD-TYPE", Text(1)),
        Field("ACCOUNT-NO", Text(12)),
        Field("VALUE-DATE", Date("YYYYMMDD")),
        Field("TXN-TYPE", Text(3)),
        Field("SIGN", Text(1)),
        Field("AMOUNT", Number(11, 2)),
        Field("CURRENCY", Text(3)),
        Field("NARRATIVE", Text(30)),
        Field("FILLER", Filler(9)),
    ],
    encoding="ascii",
)
STMT_TRAILER = RecordLayout(
    "STMT-TRAILER",
    [
        Field("RECORD-TYPE", Text(1)),
        Field("DETAIL-COUNT", Number(9)),
        Field("NET-TOTAL", SignedNumber(12, 2)),
        Field("FILLER", Filler(55)),
    ],
    encoding="ascii",
)
A_MOVEMENT: dict[str, FieldValue] = {
    "RECORD-TYPE": "D",
    "ACCOUNT-NO": "100200300400",
    "VALUE-DATE": date(2024, 3, 1),
    "TXN-TYPE": "DEP",
    "SIGN": "+",
    "AMOUNT": Decimal("125.50"),
    "CURRENCY": "GBP",
    "NARRATIVE": "Salary March",
}


def test_offsets_are_computed_from_the_declared_lengths() -> None:
    assert STMT_DETAIL.record_length == 80
    assert [(f.name, f.offset, f.length) for f in STMT_DETAIL.fields][4:7] == [
        ("SIGN", 24, 1),
        ("AMOUNT", 25, 13),
        ("CURRENCY", 38, 3),
    ]
    assert STMT_DETAIL.field("NARRATIVE").end == 71
    assert STMT_TRAILER.record_length == 80


def test_a_statement_line_is_written_as_stmt_expects() -> None:
    line = STMT_DETAIL.encode(A_MOVEMENT)
    assert line == b"D10020030040020240301DEP+0000000012550GBPSalary March" + b" " * 27
    assert len(line) == 80


def test_a_written_record_reads_back_the_same_values() -> None:
    record = STMT_DETAIL.decode(7, STMT_DETAIL.encode(A_MOVEMENT))
    assert record.record_number == 7
    assert record.layout == "STMT-DETAIL"
    assert record.values == A_MOVEMENT


def test_a_negative_net_total_carries_its_leading_sign() -> None:
    values: dict[str, FieldValue] = {
        "RECORD-TYPE": "T",
        "DETAIL-COUNT": 2,
        "NET-TOTAL": Decimal("-10.05"),
    }
    assert STMT_TRAILER.encode(values)[:25] == b"T000000002-00000000001005"


def test_filler_is_left_out_of_decoded_values() -> None:
    assert "FILLER" not in STMT_DETAIL.decode_values(1, STMT_DETAIL.encode(A_MOVEMENT))
    assert STMT_DETAIL.field_names[-1] == "NARRATIVE"


def test_numbers_in_ebcdic_are_read_in_the_layouts_code_page() -> None:
    layout = RecordLayout(
        "R", [Field("COUNT", Number(3)), Field("NAME", Text(3))], encoding="cp037"
    )
    assert layout.decode_values(1, b"\xf1\xf2\xf3\xc1\xc2\xc3") == {"COUNT": 123, "NAME": "ABC"}
    with pytest.raises(RecordError, match=r"record 1, field COUNT: .* is not a number"):
        layout.decode_values(1, b"123ABC")  # ASCII digits are not digits in EBCDIC


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({**A_MOVEMENT, "AMOUNT": Decimal("100000000000")}, "field AMOUNT: 100000000000 is too"),
        ({**A_MOVEMENT, "NARRATIVE": "x" * 31}, "field NARRATIVE: 'x+' is too long"),
        ({**A_MOVEMENT, "CURRENCY": "£££"}, "field CURRENCY: '£££' cannot be written in ascii"),
        ({k: v for k, v in A_MOVEMENT.items() if k != "SIGN"}, "field SIGN: has no value"),
        ({**A_MOVEMENT, "AMOUNTS": 1}, "field AMOUNTS: is not a field of layout STMT-DETAIL"),
    ],
)
def test_a_value_that_does_not_fit_is_an_encode_error(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(EncodeError, match=message):
        STMT_DETAIL.encode(values)  # type: ignore[arg-type]


def test_an_encode_error_can_name_the_record() -> None:
    with pytest.raises(EncodeError, match=r"^record 12, field RECORD-TYPE: has no value$"):
        STMT_DETAIL.encode({}, record_number=12)


def test_a_record_of_the_wrong_length_is_a_record_error() -> None:
    with pytest.raises(RecordError) as caught:
        STMT_DETAIL.decode(3, b"D123")
    assert str(caught.value) == "record 3: has 4 bytes, layout STMT-DETAIL needs 80"
    assert caught.value.raw == b"D123"
    assert caught.value.field is None


def test_a_bad_field_names_record_field_reason_and_keeps_the_raw_bytes() -> None:
    raw = STMT_DETAIL.encode(A_MOVEMENT).replace(b"20240301", b"20240231")
    with pytest.raises(RecordError) as caught:
        STMT_DETAIL.decode(9, raw)
    error = caught.value
    assert (error.record_number, error.field, error.raw) == (9, "VALUE-DATE", raw)
    assert str(error) == "record 9, field VALUE-DATE: '20240231' is not a valid date (YYYYMMDD)"


def test_packed_bytes_that_are_no_cp1252_character_still_decode() -> None:
    layout = RecordLayout(
        "R",
        [Field("REF", Text(2)), Field("AMOUNT", Packed(3)), Field("ID", Text(1))],
        encoding="cp1252",
    )
    raw = b"AB\x81\x0cZ"  # 0x81 is undefined in cp1252, fine inside a packed field
    assert layout.decode_values(1, raw) == {"REF": "AB", "AMOUNT": 810, "ID": "Z"}
    assert layout.encode({"REF": "AB", "AMOUNT": 810, "ID": "Z"}) == raw


def test_an_undecodable_text_byte_names_its_field() -> None:
    layout = RecordLayout("R", [Field("REF", Text(2)), Field("NAME", Text(2))], encoding="cp1252")
    with pytest.raises(RecordError, match="record 4, field NAME: bytes 4181 are not valid cp1252"):
        layout.decode_values(4, b"ABA\x81")


def test_utf8_fields_are_sliced_by_bytes_not_characters() -> None:
    layout = RecordLayout("R", [Field("NAME", Text(6)), Field("CODE", Text(3))], encoding="utf-8")
    raw = layout.encode({"NAME": "Zoë", "CODE": "DEP"})
    assert raw == "Zoë  DEP".encode()
    assert layout.decode_values(1, raw) == {"NAME": "Zoë", "CODE": "DEP"}


def test_pic_declares_python_layouts_in_copybook_terms() -> None:
    assert pic("S9(11)V99 COMP-3") == Packed(11, 2)
    assert pic("S9(11)V99 SIGN LEADING SEPARATE") == SignedNumber(11, 2)
    assert pic("9(8)") == Number(8)
    assert pic("X(16)") == Text(16)


def test_retyping_reads_a_copybook_number_as_a_date() -> None:
    layout = RecordLayout("R", [Field("VALUE-DATE", Number(8))], encoding="ascii")
    assert layout.retyped({"VALUE-DATE": Date()}).decode_values(1, b"20240301") == {
        "VALUE-DATE": date(2024, 3, 1)
    }
    with pytest.raises(LayoutError, match=r"field VALUE-DATE: .* is 10 bytes, the field 8"):
        layout.retyped({"VALUE-DATE": Date("DD.MM.YYYY")})


@pytest.mark.parametrize(
    ("fields", "encoding", "message"),
    [
        ([Field("A", Text(1))], "klingon", "unknown encoding 'klingon'"),
        ([Field("A", Text(1))], "utf-16", "space is not 1 byte"),
        (
            [Field("A", Text(1)), Field("A", Text(1))],
            "ascii",
            "field A: layout R declares the field twice",
        ),
        ([], "ascii", "layout R has no fields"),
    ],
)
def test_an_unusable_layout_is_a_layout_error(
    fields: list[Field], encoding: str, message: str
) -> None:
    with pytest.raises(LayoutError, match=message):
        RecordLayout("R", fields, encoding=encoding)


def _typed(kind: str, *fields: Field) -> RecordLayout:
    return RecordLayout(kind, [Field("TYPE", Text(1)), *fields], encoding="ascii")


HEADER = _typed("HDR", Field("DATE", Date()))
DETAIL = _typed("DTL", Field("AMOUNT", SignedNumber(5, 2)))
TRAILER = _typed("TRL", Field("COUNT", Number(4)), Field("FILLER", Filler(4)))
FILE = MultiRecordLayout(
    discriminator=HEADER.field("TYPE"), record_types={"H": HEADER, "D": DETAIL, "T": TRAILER}
)


def test_the_record_type_byte_chooses_the_layout() -> None:
    assert FILE.decode(1, b"H20240301").layout == "HDR"
    assert FILE.decode(2, b"D-0001250").values == {"TYPE": "D", "AMOUNT": Decimal("-12.50")}
    assert FILE.decode(3, b"T0001    ").values == {"TYPE": "T", "COUNT": 1}


def test_an_unknown_record_type_is_a_record_error() -> None:
    with pytest.raises(
        RecordError, match="record 5, field TYPE: record type 'X' is none of 'H', 'D', 'T'"
    ):
        FILE.decode(5, b"X20240301")
    with pytest.raises(RecordError, match="record 6: has 3 bytes, records are 9"):
        FILE.decode(6, b"H20")


def test_writing_a_record_type_sets_its_type_byte() -> None:
    assert FILE.encode("T", {"TYPE": "T", "COUNT": 1}) == b"T0001    "
    with pytest.raises(
        EncodeError, match="field TYPE: the values say b'D', the record type is 'T'"
    ):
        FILE.encode("T", {"TYPE": "D", "COUNT": 1})
    with pytest.raises(EncodeError, match="field TYPE: record type 'X' is none of"):
        FILE.encode("X", {})


def test_record_types_must_share_one_length() -> None:
    short = _typed("SHORT")
    with pytest.raises(LayoutError, match="share one record length: HDR 9, SHORT 1"):
        MultiRecordLayout(
            discriminator=HEADER.field("TYPE"), record_types={"H": HEADER, "S": short}
        )
