"""STMT's half of the `stmt` export: a money movement becomes a statement line (stmt.md).

Signs are as the customer sees them: deposits and interest `+`, withdrawals and fees `-`, a
reversal the opposite of the posting it reverses. Amounts are in cents, never floats.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.stmt.layout import LINE_END, STMT_DETAIL, STMT_HEADER, STMT_TRAILER
from adapters.stmt.lines import TemplateWriter
from gateway.domain.account_state import PostingKind
from gateway.domain.postings import FeeCharged, FundsDeposited, FundsWithdrawn, InterestCredited
from gateway.exports.days import BusinessDays
from gateway.exports.port import FileEntry, FileSummary
from gateway.store.port import StoredEvent

ACCOUNT_WIDTH = STMT_DETAIL.field("ACCOUNT-NO").length
NARRATIVE_WIDTH = STMT_DETAIL.field("NARRATIVE").length
TYPE_CODES: Mapping[PostingKind, str] = {
    PostingKind.DEPOSIT: "DEP",
    PostingKind.WITHDRAWAL: "WDL",
    PostingKind.FEE: "FEE",
    PostingKind.INTEREST: "INT",
    PostingKind.REVERSAL: "REV",
}
POSTED_KINDS: Mapping[str, PostingKind] = {
    cls.type_name: cls.kind
    for cls in (FundsDeposited, FundsWithdrawn, FeeCharged, InterestCredited)
}
REVERSAL = "PostingReversed"
MOVEMENTS = frozenset({*POSTED_KINDS, REVERSAL})
# The customer's view: money in is +, money out is -.
CUSTOMER_SIGN = {
    PostingKind.DEPOSIT: 1,
    PostingKind.INTEREST: 1,
    PostingKind.WITHDRAWAL: -1,
    PostingKind.FEE: -1,
}
POSTED_LINES = {
    name: (TYPE_CODES[kind], "+" if CUSTOMER_SIGN[kind] > 0 else "-")
    for name, kind in POSTED_KINDS.items()
}


class StatementFile:
    """The `stmt` export's file format: statement lines, header and trailer."""

    line_end = LINE_END

    def __init__(self, job: str = "stmt", options: Mapping[str, str] | None = None) -> None:
        self.job = job
        self.details = TemplateWriter(STMT_DETAIL)

    def entry(self, event: StoredEvent, days: BusinessDays) -> FileEntry | None:
        if event.type not in MOVEMENTS:
            return None
        data = event.data
        value_date = _value_date(data.get("value_date"))
        day = days.of_movement(value_date, event.recorded_at)
        try:
            return self._line(event.type, data, value_date or day, day)
        except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
            problem = f"{event.type} cannot be a statement line: {exc or type(exc).__name__}"
            account = str(data.get("account_no", "")) if isinstance(data, dict) else ""
            return FileEntry(day, account[:ACCOUNT_WIDTH].ljust(ACCOUNT_WIDTH), 0, None, problem)

    def header(self, summary: FileSummary) -> bytes:
        return STMT_HEADER.encode({
            "RECORD-TYPE": "H",
            "BUSINESS-DATE": summary.business_day,
            "CREATED-AT": summary.created_at.strftime("%Y%m%d%H%M%S"),
        })  # fmt: skip

    def trailer(self, summary: FileSummary) -> bytes:
        return STMT_TRAILER.encode({
            "RECORD-TYPE": "T",
            "DETAIL-COUNT": summary.record_count,
            "NET-TOTAL": Decimal(summary.net_total_minor).scaleb(-2),
        })  # fmt: skip

    def _line(self, type_name: str, data: dict[str, Any], value_date: date, day: date) -> FileEntry:
        code, sign = POSTED_LINES.get(type_name) or _reversal(data)
        money = data["amount"]
        cents = minor_units(money["amount"])
        record = self.details.write((
            "D", data["account_no"], yyyymmdd(value_date), code, sign, cents, money["currency"],
            statement_narrative(data.get("narrative") or ""),
        ))  # fmt: skip
        account = record[1 : 1 + ACCOUNT_WIDTH].decode()
        return FileEntry(day, account, cents if sign == "+" else -cents, record)


def _reversal(data: Mapping[str, Any]) -> tuple[str, str]:
    """A reversal takes the sign opposite to the posting it reverses."""
    reversed_sign = CUSTOMER_SIGN[PostingKind(data["reversed_kind"])]
    return TYPE_CODES[PostingKind.REVERSAL], "-" if reversed_sign > 0 else "+"


def yyyymmdd(day: date) -> str:
    """As the Date("YYYYMMDD") field writes it; strftime costs ten times more."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _value_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def minor_units(amount: str) -> int:
    """'125.50' -> 12550, exactly; a positive amount with at most two decimals."""
    whole, dot, cents = amount.partition(".")
    if dot and len(cents) == 2 and whole.isdigit() and cents.isdigit():
        value = int(whole + cents)
    else:
        scaled = Decimal(amount).scaleb(2)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"amount {amount!r} has more than two decimals")
        value = int(scaled)
    if value <= 0:
        raise ValueError(f"amount {amount!r} is not positive")
    return value


def statement_narrative(text: str) -> str:
    """STMT prints ASCII: accents dropped (é -> e), other characters as '?', cut to 30."""
    if not (text.isascii() and text.isprintable()):
        folded = unicodedata.normalize("NFKD", text)
        text = "".join(
            c if c.isascii() and c.isprintable() else "?"
            for c in folded
            if not unicodedata.combining(c)
        )
    return text[:NARRATIVE_WIDTH]
