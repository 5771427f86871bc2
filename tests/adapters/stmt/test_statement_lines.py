"""STMT statement lines: signs as the customer sees them, cents, ASCII narratives, 80 columns.

The fast line writer and the layout's own `encode` are held to the same bytes.
"""

from __future__ import annotations

import io
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.formats import Framing, read_records
from adapters.stmt import (
    STMT_DETAIL,
    STMT_FILE,
    StatementFile,
    minor_units,
    statement_narrative,
)
from adapters.stmt.lines import TemplateWriter
from gateway.exports.days import BusinessDays
from gateway.store.port import StoredEvent

DAYS = BusinessDays(ends_at=time(22, 0), timezone="Europe/London")
STATEMENT = StatementFile()


def event(type_name: str, **fields: Any) -> StoredEvent:
    data = {"account_no": "000012345678", "posting_ref": "T-1",
            "amount": {"amount": "10.00", "currency": "EUR"}, "value_date": "2026-03-04",
            "narrative": "N", **fields}  # fmt: skip
    return StoredEvent(7, "account-000012345678", 1, "e", type_name, 1, data, {},
                       "2026-03-04T09:00:00.000000Z")  # fmt: skip


@pytest.mark.parametrize(
    ("type_name", "fields", "code", "sign"),
    [
        ("FundsDeposited", {}, b"DEP", b"+"),
        ("FundsWithdrawn", {"overdrawn": True}, b"WDL", b"-"),
        ("FeeCharged", {}, b"FEE", b"-"),
        ("InterestCredited", {}, b"INT", b"+"),
        ("PostingReversed", {"reversed_kind": "DEPOSIT", "reverses_ref": "T-0"}, b"REV", b"-"),
        ("PostingReversed", {"reversed_kind": "WITHDRAWAL", "reverses_ref": "T-0"}, b"REV", b"+"),
        ("PostingReversed", {"reversed_kind": "FEE", "reverses_ref": "T-0"}, b"REV", b"+"),
        ("PostingReversed", {"reversed_kind": "INTEREST", "reverses_ref": "T-0"}, b"REV", b"-"),
    ],
)
def test_each_movement_carries_the_customers_sign(
    type_name: str, fields: dict[str, Any], code: bytes, sign: bytes
) -> None:
    entry = STATEMENT.entry(event(type_name, **fields), DAYS)

    assert entry is not None and entry.record is not None
    assert (entry.record[21:24], entry.record[24:25]) == (code, sign)
    assert entry.amount_minor == (1000 if sign == b"+" else -1000)


def test_events_that_move_no_money_are_left_out() -> None:
    assert STATEMENT.entry(event("HoldPlaced"), DAYS) is None
    assert STATEMENT.entry(event("AccountFrozen"), DAYS) is None


def test_a_pilot_deposit_amount_without_its_second_decimal_is_read_exactly() -> None:
    assert minor_units("125.5") == 12550
    assert minor_units("125.50") == 12550
    assert minor_units("7") == 700


@pytest.mark.parametrize("amount", ["0.00", "-5.00", "1.005", "ten"])
def test_an_amount_stmt_cannot_print_is_refused(amount: str) -> None:
    with pytest.raises(ArithmeticError if amount == "ten" else ValueError):
        minor_units(amount)


def test_narratives_become_ascii_and_fit_30_characters() -> None:
    assert statement_narrative("Café Résumé Ltd") == "Cafe Resume Ltd"
    assert statement_narrative("Rent \u2603 March") == "Rent ? March"
    long = statement_narrative("INVOICE 2026-11 REF 000123456789 FROM ACME")
    assert long == "INVOICE 2026-11 REF 0001234567"


def test_a_movement_that_does_not_fit_is_a_problem_of_its_day_not_a_crash() -> None:
    entry = STATEMENT.entry(event("FundsDeposited", account_no="GB29NWBK60161331926819"), DAYS)

    assert entry is not None and entry.record is None
    assert entry.business_day == date(2026, 3, 4)
    assert "ACCOUNT-NO" in (entry.problem or "")


def test_a_written_file_reads_back_with_the_same_layouts() -> None:
    lines = [STATEMENT.entry(event(t), DAYS) for t in ("FundsDeposited", "FeeCharged")]
    data = b"".join((e.record or b"") + b"\n" for e in lines if e is not None)

    records = list(read_records(io.BytesIO(data), STMT_FILE, framing=Framing.LINES))

    assert [r.values["TXN-TYPE"] for r in records] == ["DEP", "FEE"]  # type: ignore[union-attr]
    assert records[0].values["AMOUNT"] == Decimal("10.00")  # type: ignore[union-attr]


accounts = st.text(st.characters(min_codepoint=48, max_codepoint=90), min_size=1, max_size=12)
narratives = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


@given(
    account=accounts,
    value_date=st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    code=st.sampled_from(["DEP", "WDL", "FEE", "INT", "REV"]),
    sign=st.sampled_from(["+", "-"]),
    cents=st.integers(min_value=1, max_value=10**13 - 1),
    currency=st.sampled_from(["EUR", "GBP", "USD"]),
    narrative=narratives,
)
def test_the_fast_line_writer_writes_what_the_layout_writes(
    account: str, value_date: date, code: str, sign: str, cents: int, currency: str,
    narrative: str,
) -> None:  # fmt: skip
    fast = TemplateWriter(STMT_DETAIL).write(
        ("D", account, value_date.strftime("%Y%m%d"), code, sign, cents, currency, narrative)
    )
    declared = STMT_DETAIL.encode({
        "RECORD-TYPE": "D", "ACCOUNT-NO": account, "VALUE-DATE": value_date, "TXN-TYPE": code,
        "SIGN": sign, "AMOUNT": Decimal(cents).scaleb(-2), "CURRENCY": currency,
        "NARRATIVE": narrative,
    })  # fmt: skip
    assert fast == declared


def test_the_fast_line_writer_refuses_a_value_too_long_for_its_field() -> None:
    with pytest.raises(ValueError, match="CURRENCY"):
        TemplateWriter(STMT_DETAIL).write(("D", "1", "20260304", "DEP", "+", 1, "EURO", ""))
