"""Delimited files: the CBS accounts CSV with its ';' dialect, BOM, quotes and bad rows.

The header is checked once; each bad row becomes a `RowError` with its line and raw bytes.
"""

from __future__ import annotations

import io

import pytest

from adapters.formats import (
    DelimitedLayout,
    DelimitedRow,
    FileError,
    LayoutError,
    RowError,
    read_rows,
)

ACCOUNTS = DelimitedLayout(
    ("ACCOUNT_NO", "CUST_NO", "PRODUCT", "CURRENCY", "OPEN_DATE", "BRANCH", "STATUS"),
    encoding="cp1252",
    separator=";",
)
HEADER = b"ACCOUNT_NO;CUST_NO;PRODUCT;CURRENCY;OPEN_DATE;BRANCH;STATUS\r\n"


def _rows(
    data: bytes, layout: DelimitedLayout = ACCOUNTS, **options: int
) -> list[DelimitedRow | RowError]:
    return list(read_rows(io.BytesIO(data), layout, **options))


def test_rows_come_with_their_line_numbers_and_values_by_column() -> None:
    data = HEADER + b"100200300400;C001;CURRENT;GBP;01.03.2024;0042;O\r\n"
    [row] = _rows(data)
    assert isinstance(row, DelimitedRow)
    assert row.line_number == 2
    assert row.values == {
        "ACCOUNT_NO": "100200300400",
        "CUST_NO": "C001",
        "PRODUCT": "CURRENT",
        "CURRENCY": "GBP",
        "OPEN_DATE": "01.03.2024",
        "BRANCH": "0042",
        "STATUS": "O",
    }
    assert row.raw == b"100200300400;C001;CURRENT;GBP;01.03.2024;0042;O\r\n"


def test_a_utf8_bom_from_a_hand_re_export_is_dropped() -> None:
    data = b"\xef\xbb\xbf" + HEADER + b"1;C1;CURRENT;EUR;01.03.2024;1;O\n"
    [row] = _rows(data)
    assert isinstance(row, DelimitedRow)
    assert row.values["ACCOUNT_NO"] == "1"


def test_quoted_fields_may_hold_separators_quotes_and_line_breaks() -> None:
    data = (
        HEADER
        + b'1;"C;1";"SAVER ""PLUS""";EUR;01.03.2024;1;O\r\n'
        + b'2;C2;"TWO\r\nLINES";EUR;01.03.2024;1;O\r\n'
        + b"3;C3;CAF\xc9;EUR;01.03.2024;1;F\r\n"
    )
    rows = _rows(data)
    assert [r.line_number for r in rows] == [2, 3, 5]
    assert all(isinstance(r, DelimitedRow) for r in rows)
    values = [r.values for r in rows if isinstance(r, DelimitedRow)]
    assert (values[0]["CUST_NO"], values[0]["PRODUCT"]) == ("C;1", 'SAVER "PLUS"')
    assert values[1]["PRODUCT"] == "TWO\r\nLINES"
    assert values[2]["PRODUCT"] == "CAFÉ"  # cp1252, as the source says


def test_a_row_with_the_wrong_column_count_is_a_row_error_and_reading_goes_on() -> None:
    data = HEADER + b"1;C1;CURRENT;EUR;01.03.2024;1\r\n" + b"2;C2;CURRENT;EUR;01.03.2024;1;O\r\n"
    error, row = _rows(data)
    assert isinstance(error, RowError)
    assert str(error) == "line 2: has 6 columns, the header has 7"
    assert error.raw == b"1;C1;CURRENT;EUR;01.03.2024;1\r\n"
    assert isinstance(row, DelimitedRow)
    assert row.line_number == 3


def test_bad_quoting_is_a_row_error_and_reading_goes_on() -> None:
    data = HEADER + b'1;"C1"x;CURRENT;EUR;01.03.2024;1;O\n' + b"2;C2;CURRENT;EUR;01.03.2024;1;O\n"
    error, row = _rows(data)
    assert isinstance(error, RowError)
    assert error.record_number == 2
    assert "cannot be parsed" in str(error)
    assert isinstance(row, DelimitedRow)
    assert row.line_number == 3


def test_an_unclosed_quote_at_the_end_is_a_row_error() -> None:
    [error] = _rows(HEADER + b'1;"C1;CURRENT;EUR;01.03.2024;1;O\n')
    assert isinstance(error, RowError)
    assert error.raw == b'1;"C1;CURRENT;EUR;01.03.2024;1;O\n'


def test_bytes_invalid_in_the_encoding_are_a_row_error() -> None:
    [error] = _rows(HEADER + b"1;C\x81;CURRENT;EUR;01.03.2024;1;O\n")
    assert isinstance(error, RowError)
    assert str(error) == "line 2: holds bytes that are not valid cp1252"


def test_empty_lines_hold_no_row() -> None:
    rows = _rows(HEADER + b"\r\n1;C1;CURRENT;EUR;01.03.2024;1;O\r\n\r\n")
    assert [r.line_number for r in rows] == [3]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "line 1: the file is empty; a header row is required"),
        (
            b"ACCOUNT_NO;CUST_NO\r\n",
            "line 1: header is 'ACCOUNT_NO;CUST_NO', expected 'ACCOUNT_NO;",
        ),
        (b"CUST_NO;ACCOUNT_NO;PRODUCT;CURRENCY;OPEN_DATE;BRANCH;STATUS\n", "header is"),
        (b'"ACCOUNT_NO"x;CUST_NO\n', "line 1: header row cannot be parsed"),
    ],
)
def test_a_missing_or_different_header_rejects_the_file(data: bytes, message: str) -> None:
    with pytest.raises(FileError, match=message):
        _rows(data)


def test_a_comma_dialect_with_a_quote_of_its_own() -> None:
    layout = DelimitedLayout(("REF", "NOTE"), encoding="utf-8", quote="'")
    rows = _rows(b"REF,NOTE\n1,'a, b'\n", layout)
    assert [r.values for r in rows if isinstance(r, DelimitedRow)] == [{"REF": "1", "NOTE": "a, b"}]


def test_rows_stream_through_small_reads() -> None:
    data = HEADER + b"".join(b"%d;C;P;EUR;01.03.2024;1;O\r\n" % n for n in range(50))
    rows = _rows(data, buffer_size=7)
    assert [r.line_number for r in rows] == list(range(2, 52))


@pytest.mark.parametrize(
    ("columns", "options", "message"),
    [
        ((), {}, "columns must be unique"),
        (("A", "A"), {}, "columns must be unique"),
        (("A",), {"separator": '"'}, "need 2 chars"),
        (("A",), {"separator": ";;"}, "need 2 chars"),
        (("A",), {"encoding": "utf-16"}, "does not write"),
        (("A",), {"encoding": "cp037"}, "does not write"),
        (("A",), {"encoding": "klingon"}, "cannot write"),
    ],
)
def test_an_unusable_dialect_is_a_layout_error(
    columns: tuple[str, ...], options: dict[str, str], message: str
) -> None:
    with pytest.raises(LayoutError, match=message):
        DelimitedLayout(columns, **{"encoding": "cp1252", **options})
