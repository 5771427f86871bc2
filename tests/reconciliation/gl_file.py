"""Writes GL's end-of-day balances file the way gl-balances.md describes it, from GL's own log.

The log is what the local GL accepted (`/_sim/postings`): a re-send it answered as a duplicate
is not counted again. Tests change the log first to make GL disagree in one way or another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

HEADER = "CUSTOMER_ACCOUNT,CURRENCY,BALANCE,POSTING_COUNT,LAST_POSTING_REF,AS_OF"


@dataclass(frozen=True)
class Accepted:
    """One posting GL accepted, with the side and amount it received."""

    ref: str
    account: str
    side: str
    amount: Decimal
    currency: str


def accepted_postings(log: Iterable[Mapping[str, Any]]) -> list[Accepted]:
    """GL's log in arrival order, without the re-sends it answered `200 duplicate`."""
    return [
        Accepted(p["ref"], p["account"], p["side"], Decimal(p["amount"]), p["currency"])
        for p in log
        if not p["duplicate"]
    ]


def flip_side(posting: Accepted) -> Accepted:
    return replace(posting, side="DR" if posting.side == "CR" else "CR")


def balances_rows(postings: Iterable[Accepted], as_of: datetime) -> list[str]:
    """One row per customer account: CR adds, DR subtracts, whatever the GL account."""
    balance: dict[str, Decimal] = {}
    count: dict[str, int] = {}
    last: dict[str, str] = {}
    currency: dict[str, str] = {}
    for posting in postings:
        sign = 1 if posting.side == "CR" else -1
        balance[posting.account] = (
            balance.get(posting.account, Decimal("0.00")) + sign * posting.amount
        )
        count[posting.account] = count.get(posting.account, 0) + 1
        last[posting.account] = posting.ref
        currency[posting.account] = posting.currency
    stamp = as_of.isoformat()
    return [
        f"{account},{currency[account]},{balance[account]:.2f},{count[account]},{last[account]},"
        f"{stamp}"
        for account in sorted(balance)
    ]


def trailer(rows: list[str]) -> str:
    total = sum((Decimal(row.split(",")[2]) for row in rows), Decimal("0.00"))
    return f"TOTAL,{len(rows)},{total:.2f}"


def write_balances_file(
    folder: Path, day: date, rows: list[str], *, tail: str | None = None, done: bool = True
) -> Path:
    """`GL_BALANCES_<YYYYMMDD>.csv` with header and trailer, then its empty `.DONE`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"GL_BALANCES_{day:%Y%m%d}.csv"
    lines = [HEADER, *rows, trailer(rows) if tail is None else tail]
    path.write_bytes(("\n".join(line for line in lines if line != "") + "\n").encode())
    if done:
        path.with_name(path.name + ".DONE").write_bytes(b"")
    return path
