"""GL's end-of-day balances file (`GL_BALANCES_<YYYYMMDD>.csv`), read exactly as the spec says.

Every row is checked and the trailer must match the rows, or the file is refused whole with
the line and the reason. Amounts become hundredths; `CR` adds and `DR` subtracts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

import orjson
from iso4217 import Currency

from adapters.gl.errors import PostingNotTranslatable
from adapters.gl.postings import translate_posting
from gateway.config import ReconciliationSourceConfig
from gateway.errors import BalancesFileRefused
from gateway.reconciliation.ports import AccountBalance, BalancesStatement, LedgerLine
from gateway.store.port import StoredEvent

HEADER = "CUSTOMER_ACCOUNT,CURRENCY,BALANCE,POSTING_COUNT,LAST_POSTING_REF,AS_OF"
COLUMNS = HEADER.split(",")
FILE_NAME = re.compile(r"^GL_BALANCES_(\d{8})\.csv$")
ACCOUNT = re.compile(r"^\d{12}$")
AMOUNT = re.compile(r"^-?\d+\.\d{2}$")
COUNT = re.compile(r"^\d+$")
REF_LIMIT = 36
SIGNS = {"CR": 1, "DR": -1}


def business_day(file_name: str) -> date:
    """GL's business date from the file's name."""
    match = FILE_NAME.match(file_name)
    if match is None:
        raise BalancesFileRefused(f"{file_name!r} is not named GL_BALANCES_<YYYYMMDD>.csv")
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        raise BalancesFileRefused(f"{file_name!r}: {match.group(1)} is not a date") from None


def cents(text: str, *, line: int, field: str) -> int:
    """'-12.50' as -1250: a point and exactly two places, a leading '-' when negative."""
    if not AMOUNT.match(text):
        raise BalancesFileRefused(
            f"{field} {text!r} is not a decimal with a point and two places", line=line
        )
    return int(text.replace(".", ""))


def _lines(stream: BinaryIO) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raise BalancesFileRefused("the file starts with a byte order mark", line=1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BalancesFileRefused(f"not UTF-8: {exc.reason}", line=number) from None
        yield number, text.removesuffix("\n").removesuffix("\r")


class _Rows:
    """The file's rows as they are read: each one checked, accounts and AS_OF kept."""

    def __init__(self) -> None:
        self.rows: list[AccountBalance] = []
        self.seen: dict[str, int] = {}
        self.as_of: datetime | None = None
        self.as_of_text = ""
        self.total = 0

    def add(self, number: int, text: str) -> None:
        fields = text.split(",")
        if len(fields) != len(COLUMNS):
            raise BalancesFileRefused(
                f"{len(fields)} fields, the spec has {len(COLUMNS)} ({HEADER})", line=number
            )
        account, currency, balance, count, last_ref, as_of = fields
        self._check_account(number, account)
        self._check_currency(number, currency)
        amount = cents(balance, line=number, field="BALANCE")
        if not COUNT.match(count):
            raise BalancesFileRefused(f"POSTING_COUNT {count!r} is not a count", line=number)
        if not last_ref or len(last_ref) > REF_LIMIT:
            raise BalancesFileRefused(
                f"LAST_POSTING_REF {last_ref!r} must be 1 to {REF_LIMIT} characters", line=number
            )
        self._check_as_of(number, as_of)
        self.seen[account] = number
        self.total += amount
        self.rows.append(AccountBalance(number, account, currency, amount, int(count), last_ref))

    def _check_account(self, number: int, account: str) -> None:
        if not ACCOUNT.match(account):
            raise BalancesFileRefused(f"CUSTOMER_ACCOUNT {account!r} is not 12 digits", line=number)
        if account in self.seen:
            raise BalancesFileRefused(
                f"CUSTOMER_ACCOUNT {account} is already on line {self.seen[account]}", line=number
            )

    @staticmethod
    def _check_currency(number: int, currency: str) -> None:
        try:
            Currency(currency)
        except ValueError:
            raise BalancesFileRefused(
                f"CURRENCY {currency!r} is not an ISO 4217 code", line=number
            ) from None

    def _check_as_of(self, number: int, text: str) -> None:
        if self.as_of is not None:
            if text != self.as_of_text:
                raise BalancesFileRefused(
                    f"AS_OF {text!r} differs from {self.as_of_text!r} on the rows before",
                    line=number,
                )
            return
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            raise BalancesFileRefused(f"AS_OF {text!r} is not ISO 8601 with an offset", line=number)
        self.as_of, self.as_of_text = moment, text


def check_trailer(number: int, text: str, rows: _Rows) -> None:
    """`TOTAL,<rows>,<sum of BALANCE>`: a file whose trailer does not match is not complete."""
    fields = text.split(",")
    if len(fields) != 3 or not COUNT.match(fields[1]):
        raise BalancesFileRefused(f"trailer {text!r} is not TOTAL,<rows>,<sum>", line=number)
    total = cents(fields[2], line=number, field="trailer sum")
    if int(fields[1]) != len(rows.rows):
        raise BalancesFileRefused(
            f"trailer says {int(fields[1])} rows, the file has {len(rows.rows)}", line=number
        )
    if total != rows.total:
        raise BalancesFileRefused(
            f"trailer sum {fields[2]} is not the rows' sum {format_cents(rows.total)}",
            line=number,
        )


def format_cents(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def read_balances(stream: BinaryIO, *, file_name: str) -> BalancesStatement:
    """Read and check the whole file; refused whole at the first line that breaks the spec."""
    day = business_day(file_name)
    lines = _lines(stream)
    first = next(lines, None)
    if first is None or first[1] != HEADER:
        found = "nothing" if first is None else repr(first[1][:80])
        raise BalancesFileRefused(f"the header must be {HEADER}, found {found}", line=1)
    rows, trailer = _Rows(), None
    for number, text in lines:
        if trailer is not None:
            raise BalancesFileRefused("a line after the trailer", line=number)
        if text.startswith("TOTAL,"):
            check_trailer(number, text, rows)
            trailer = number
        else:
            rows.add(number, text)
    if trailer is None:
        raise BalancesFileRefused("the file ends without its trailer TOTAL,<rows>,<sum>")
    as_of = rows.as_of or datetime.combine(day, datetime.min.time()).astimezone()
    return BalancesStatement(day=day, as_of=as_of, rows=rows.rows, total=rows.total)


def gl_line(event: StoredEvent) -> LedgerLine | None:
    """What GL books for the posting the `gl` destination sends for `event`.

    The body is rendered by the same translator the delivery engine sends with, so the side
    and amount are those that were sent; an event that cannot be translated is never sent.
    """
    try:
        request = translate_posting(event)
    except PostingNotTranslatable:
        return None
    body = orjson.loads(request.body)
    hundredths = Decimal(body["amount"]).scaleb(2)
    if hundredths != hundredths.to_integral_value():
        return None  # GL's balances have two places: such a posting cannot be compared
    signed = SIGNS[body["side"]] * int(hundredths)
    return LedgerLine(body["customer_account"], body["posting_ref"], signed, body["currency"])


class GlBalancesFile:
    """GL's half of reconciliation: its balances file, and its reading of what we sent."""

    def __init__(self, name: str = "gl-balances") -> None:
        self.name = name

    def read(self, stream: BinaryIO, *, file_name: str) -> BalancesStatement:
        return read_balances(stream, file_name=file_name)

    def ledger_line(self, event: StoredEvent) -> LedgerLine | None:
        return gl_line(event)


def balances_file(name: str, config: ReconciliationSourceConfig) -> GlBalancesFile:
    """The factory `config.yaml` names: `adapter: adapters.gl:balances_file`."""
    return GlBalancesFile(name)
