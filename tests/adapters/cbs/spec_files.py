"""CBS files built byte by byte from legacy-specs/cbs-files.md alone, not from the adapter.

Binary drops: cp037, fixed-block, packed amounts; text-mode drops: cp1252, display amounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

BINARY = "cp037"
TEXT = "cp1252"


@dataclass(frozen=True)
class Posting:
    """A D record's fields, in the copybook's order."""

    txn_ref: str
    account_no: str
    code: str = "DEP"
    amount: Decimal = Decimal("10.00")
    currency: str = "EUR"
    value_date: str = "20240301"
    narrative: str = "SALARY"
    reverses_ref: str = ""


@dataclass(frozen=True)
class AccountLine:
    account_no: str
    status: str = "O"
    currency: str = "EUR"
    customer_no: str = "10000001"
    product: str = "CURRENT"
    open_date: str = "01.02.2024"
    branch: str = "0042"

    def csv(self) -> str:
        fields = (self.account_no, self.customer_no, self.product, self.currency,
                  self.open_date, self.branch, self.status)  # fmt: skip
        return ";".join(fields)


def text(value: str, length: int) -> str:
    assert len(value) <= length, value
    return value.ljust(length)


def packed(value: Decimal, digits: int) -> bytes:
    """COMP-3: two digits a byte, the last nibble the sign (C plus, D minus)."""
    cents = int(value.scaleb(2))
    numeral = str(abs(cents)).zfill(digits)
    assert len(numeral) == digits, value
    nibbles = numeral.zfill(digits + (1 - digits % 2)) + ("D" if cents < 0 else "C")
    return bytes.fromhex(nibbles)


def display(value: Decimal, digits: int) -> str:
    """PIC S9(n)V99 SIGN LEADING SEPARATE: '+0000000012550' is 125.50."""
    cents = int(value.scaleb(2))
    return ("-" if cents < 0 else "+") + str(abs(cents)).zfill(digits)


def header(business_date: str, seq: int, *, mode: str = BINARY) -> bytes:
    record = "H" + business_date + text("CBS", 8) + f"{seq:03d}" + " " * 100
    return record.encode(mode)


def detail(posting: Posting, *, mode: str = BINARY) -> bytes:
    head = ("D" + text(posting.txn_ref, 16) + text(posting.account_no, 12)
            + text(posting.code, 3))  # fmt: skip
    tail = posting.currency + posting.value_date + text(posting.narrative, 30)
    tail += text(posting.reverses_ref, 16)
    if mode == BINARY:
        record = head.encode(BINARY) + packed(posting.amount, 13) + (tail + " " * 24).encode(BINARY)
    else:
        record = (head + display(posting.amount, 13) + tail + " " * 17).encode(TEXT)
    assert len(record) == 120
    return record


def trailer(count: int, total: Decimal, *, mode: str = BINARY) -> bytes:
    if mode == BINARY:
        record = ("T" + f"{count:09d}").encode(BINARY) + packed(total, 17) + b"\x40" * 101
    else:
        record = ("T" + f"{count:09d}" + display(total, 17) + " " * 92).encode(TEXT)
    assert len(record) == 120
    return record


def postings_file(
    postings: Sequence[Posting],
    *,
    business_date: str = "20240301",
    seq: int = 1,
    mode: str = BINARY,
    count: int | None = None,
    total: Decimal | None = None,
    line_end: bytes = b"\r\n",
) -> bytes:
    """A whole file: header, details, trailer (with the true count and total unless given)."""
    records = [header(business_date, seq, mode=mode)]
    records += [detail(p, mode=mode) for p in postings]
    records.append(
        trailer(
            len(postings) if count is None else count,
            sum((p.amount for p in postings), Decimal(0)) if total is None else total,
            mode=mode,
        )
    )
    return join(records, mode=mode, line_end=line_end)


def join(records: Iterable[bytes], *, mode: str, line_end: bytes = b"\r\n") -> bytes:
    if mode == BINARY:
        return b"".join(records)
    return b"".join(record + line_end for record in records)


def postings_name(business_date: str = "20240301", seq: int = 1) -> str:
    return f"CBS_POSTINGS_{business_date}_{seq:03d}.DAT"


def accounts_file(lines: Iterable[AccountLine], *, bom: bool = False) -> bytes:
    header_row = "ACCOUNT_NO;CUST_NO;PRODUCT;CURRENCY;OPEN_DATE;BRANCH;STATUS"
    body = "".join(f"{row}\r\n" for row in [header_row, *(line.csv() for line in lines)])
    return (b"\xef\xbb\xbf" + body.encode("utf-8")) if bom else body.encode(TEXT)


def accounts_name(business_date: str = "20240301") -> str:
    return f"CBS_ACCOUNTS_{business_date}.csv"
