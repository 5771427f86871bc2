"""What reconciliation asks of a legacy adapter: read a balances file, say what a posting sent.

The core knows no legacy format: the adapter turns GL's file into rows and a delivered event
into the ledger line it stands for (account, reference, signed amount), the file's own rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO, NamedTuple, Protocol

from gateway.store.port import StoredEvent


class LedgerLine(NamedTuple):
    """One posting as the legacy ledger counts it: `amount` in hundredths, signed by side."""

    account: str
    reference: str
    amount: int
    currency: str


class AccountBalance(NamedTuple):
    """One row of a balances file: what the ledger holds for one customer account."""

    line: int
    account: str
    currency: str
    balance: int  # hundredths
    posting_count: int
    last_ref: str


@dataclass(frozen=True, slots=True)
class BalancesStatement:
    """A whole balances file, checked against its trailer: the ledger's view at `as_of`."""

    day: date
    as_of: datetime
    rows: list[AccountBalance]
    total: int  # hundredths


class BalancesFormat(Protocol):
    """One legacy ledger's end-of-day balances file, and its reading of our postings."""

    def read(self, stream: BinaryIO, *, file_name: str) -> BalancesStatement:
        """The whole file, or `BalancesFileRefused` with the line and the reason."""
        ...

    def ledger_line(self, event: StoredEvent) -> LedgerLine | None:
        """The line the ledger books for the posting sent for `event`; None if none is sent."""
        ...
