"""Field types one by one: text, display numbers, sign separate, COMP-3, dates, FILLER.

Each reads the bytes a legacy file holds and writes them back exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from adapters.formats import Date, Filler, LayoutError, Number, Packed, SignedNumber, Text


def test_text_is_trimmed_on_read_and_space_padded_on_write() -> None:
    assert Text(8).parse("  GBP   ") == "GBP"
    assert Text(6).render("GBP", "cp1252") == b"GBP   "
    assert Text(4).render("GBP", "cp037") == b"\xc7\xc2\xd7\x40"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("TOO LONG", "too long: 8 bytes, field holds 3"),
        ("€", "cannot be written in cp037"),
        (7, "not text"),
    ],
)
def test_text_that_does_not_fit_is_refused(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Text(3).render(value, "cp037")


def test_filler_is_written_as_spaces_in_the_encoding() -> None:
    assert Filler(3).render(None, "cp037") == b"\x40\x40\x40"
    assert Filler(2).render(None, "ascii") == b"  "


def test_an_unsigned_number_without_decimals_is_an_int() -> None:
    assert Number(3).parse("042") == 42
    assert Number(3).render(42, "ascii") == b"042"


def test_implied_decimals_give_an_exact_decimal() -> None:
    value = Number(11, 2).parse("0000000012550")
    assert value == Decimal("125.50")
    assert str(value) == "125.50"
    assert Number(11, 2).render(Decimal("125.5"), "ascii") == b"0000000012550"


@pytest.mark.parametrize("text", [" 42", "4 2", "-42", "+42", "4.2", "²42", "١٢٣", "   "])
def test_a_display_number_holds_only_ascii_digits(text: str) -> None:
    with pytest.raises(ValueError, match="is not a number"):
        Number(3).parse(text)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (Decimal("1000"), "too large for PIC 9\\(3\\)V9\\(2\\)"),
        (Decimal("1.005"), "more than 2 decimal places"),
        (Decimal("-1"), "negative but PIC 9\\(3\\)V9\\(2\\) is unsigned"),
        (1.5, "not an int or Decimal"),
        (True, "not an int or Decimal"),
        (Decimal("NaN"), "not a finite number"),
    ],
)
def test_a_number_that_does_not_fit_is_refused(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Number(3, 2).render(value, "ascii")


def test_sign_leading_separate_reads_the_spec_example() -> None:
    amount = SignedNumber(11, 2)
    assert amount.length == 14
    assert amount.parse("+0000000012550") == Decimal("125.50")
    assert amount.parse("-0000000012550") == Decimal("-125.50")
    assert amount.render(Decimal("-125.50"), "cp1252") == b"-0000000012550"
    assert amount.render(0, "cp1252") == b"+0000000000000"


def test_sign_trailing_separate_and_whole_numbers() -> None:
    count = SignedNumber(3, sign="trailing")
    assert count.parse("042-") == -42
    assert count.render(42, "ascii") == b"042+"


@pytest.mark.parametrize(
    "text", [" 0000000012550", "00000000125500", "+00000000125 0", "+-000000012550"]
)
def test_a_bad_sign_or_digit_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a number with a leading sign"):
        SignedNumber(11, 2).parse(text)


def test_comp3_packs_125_50_into_seven_bytes() -> None:
    amount = Packed(11, 2)
    assert amount.length == 7
    assert amount.render(Decimal("125.50"), "cp037") == b"\x00\x00\x00\x00\x12\x55\x0c"
    assert amount.parse(b"\x00\x00\x00\x00\x12\x55\x0c") == Decimal("125.50")


def test_comp3_sign_nibbles_c_d_and_f() -> None:
    amount = Packed(11, 2)
    assert amount.parse(b"\x00\x00\x00\x00\x12\x55\x0d") == Decimal("-125.50")
    assert amount.parse(b"\x00\x00\x00\x00\x12\x55\x0f") == Decimal("125.50")
    assert amount.render(Decimal("-125.50"), "cp037") == b"\x00\x00\x00\x00\x12\x55\x0d"
    assert Packed(3, signed=False).render(125, "cp037") == b"\x12\x5f"


def test_comp3_trailer_total_is_nine_bytes() -> None:
    total = Packed(15, 2)
    assert total.length == 9
    assert total.parse(bytes.fromhex("00000000001234567c")) == Decimal("12345.67")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\x00\x00\x00\x00\x12\x55\x0a", "sign nibble A, not C, D or F"),
        (b"\x00\x00\x00\x00\x12\x55\x0b", "sign nibble B, not C, D or F"),
        (b"\x00\x00\x00\x00\x12\x55\x0e", "sign nibble E, not C, D or F"),
        (b"\x00\x00\x00\x00\x12\x55\x05", "sign nibble 5, not C, D or F"),
        (b"\x00\x00\x00\x00\x1a\x55\x0c", "non-digit nibble"),
        (b"\x40\x40\x40\x40\x40\x40\x40", "sign nibble 0, not C, D or F"),
    ],
)
def test_a_bad_comp3_nibble_is_an_error(raw: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Packed(11, 2).parse(raw)


def test_an_unsigned_comp3_field_refuses_a_minus_sign() -> None:
    with pytest.raises(ValueError, match="minus sign D, but PIC 9\\(3\\) is unsigned"):
        Packed(3, signed=False).parse(b"\x12\x5d")
    assert Packed(3, signed=False).parse(b"\x12\x5c") == 125


def test_an_even_digit_count_needs_a_zero_pad_nibble() -> None:
    four_digits = Packed(4)
    assert four_digits.length == 3
    assert four_digits.parse(b"\x01\x23\x4c") == 1234
    with pytest.raises(ValueError, match="overflow PIC S9\\(4\\)"):
        four_digits.parse(b"\x11\x23\x4c")
    with pytest.raises(ValueError, match="too large"):
        four_digits.render(12345, "cp037")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [("YYYYMMDD", "20240301"), ("DDMMYYYY", "01032024"), ("DD.MM.YYYY", "01.03.2024")],
)
def test_dates_read_and_write_in_their_pattern(pattern: str, text: str) -> None:
    assert Date(pattern).parse(text) == date(2024, 3, 1)
    assert Date(pattern).render(date(2024, 3, 1), "ascii") == text.encode()


@pytest.mark.parametrize("text", ["20240230", "20241301", "00000000", "2024-3-1", "2024030 "])
def test_a_bad_date_is_an_error(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        Date().parse(text)


def test_a_date_pattern_checks_its_separators() -> None:
    with pytest.raises(ValueError, match=r"not a date in the form DD\.MM\.YYYY"):
        Date("DD.MM.YYYY").parse("01-03-2024")


def test_a_year_before_1000_keeps_four_digits() -> None:
    assert Date().render(date(1, 1, 1), "ascii") == b"00010101"
    assert Date().parse("00010101") == date(1, 1, 1)


def test_a_date_field_writes_dates_only() -> None:
    with pytest.raises(ValueError, match="is not a date"):
        Date().render(datetime(2024, 3, 1, 12, 0), "ascii")
    with pytest.raises(ValueError, match="is not a date"):
        Date().render("20240301", "ascii")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Text(0),
        lambda: Number(0),
        lambda: Number(32),
        lambda: Packed(30, 2),
        lambda: SignedNumber(5, -1),
        lambda: Date("YYMMDD"),
        lambda: Date("YYYYMMDDX"),
    ],
)
def test_an_impossible_field_type_is_a_layout_error(make: Callable[[], object]) -> None:
    with pytest.raises(LayoutError):
        make()
