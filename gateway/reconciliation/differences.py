"""Each difference between a ledger's balances and the gateway's records, classified and explained.

Pure logic: the figures of one account (the ledger's row, what it should hold) and the
gateway's postings of that account in feed order go in; named differences come out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import combinations
from typing import NamedTuple

from gateway.reconciliation.ports import AccountBalance

COMBINATION_LIMIT = 40  # postings searched for a set of 2 or 3 that explains a difference
LISTED = 20  # postings named per difference at most


class DifferenceClass(StrEnum):
    SENT_NOT_COUNTED = "sent_not_counted"  # acknowledged by the ledger, not in its count
    COUNTED_NOT_SENT = "counted_not_sent"  # in the ledger's count, never sent or acknowledged
    NOT_SENT_YET = "not_sent_yet"  # pending, dead-lettered or skipped before the ledger's last
    UNKNOWN_LAST_REF = "unknown_last_ref"  # the ledger's last posting was never sent
    AMOUNT_OR_SIDE = "amount_or_side"  # same count, a posting booked with another amount or side
    ONLY_IN_LEDGER = "only_in_ledger"  # an account the gateway never sent a posting for
    ONLY_IN_GATEWAY = "only_in_gateway"  # acknowledged postings of an account the ledger lacks
    UNEXPLAINED = "unexplained"


class SentPosting(NamedTuple):
    """One delivery of the account to the ledger, with the line it stands for."""

    position: int
    reference: str
    amount: int  # hundredths, signed by side
    currency: str
    delivery_id: int
    status: str
    attempts: int
    acknowledged: bool
    acknowledged_at: float | None = None  # when the delivery was acknowledged (epoch seconds)

    @property
    def what(self) -> str:
        if self.acknowledged:
            return "acknowledged"
        return f"{self.status}, sent {self.attempts} times" if self.attempts else self.status


class AccountFigures(NamedTuple):
    """One account as the aggregate saw it: the ledger's row and what it should hold."""

    account: str
    ledger: AccountBalance | None  # None: the account is not in the file
    cut: int | None  # feed position of the ledger's last posting; None: never sent
    expected_balance: int
    expected_count: int


@dataclass(frozen=True, slots=True)
class Difference:
    account: str
    kind: DifferenceClass
    detail: str
    expected_balance: int
    expected_count: int
    ledger: AccountBalance | None = None
    postings: tuple[SentPosting, ...] = field(default=())


def money(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"


def explain(
    figures: AccountFigures, postings: Sequence[SentPosting], *, as_of: float
) -> list[Difference]:
    """The differences of one account (none when the ledger and the records agree).

    `as_of` is when the ledger closed its day: a posting after its last one that it had
    acknowledged by then should be in its figures all the same.
    """
    if figures.ledger is None:
        return [_only_in_gateway(figures, postings)]
    if not postings:
        detail = "the ledger knows the account; the gateway sent it no posting"
        return [_difference(figures, DifferenceClass.ONLY_IN_LEDGER, detail)]
    if figures.cut is None:
        return [_unknown_last_ref(figures, postings)]
    window = [p for p in postings if p.position <= figures.cut]
    acknowledged = [p for p in window if p.acknowledged]
    waiting = [p for p in window if not p.acknowledged]
    found, explained = _totals(figures, acknowledged, waiting)
    rest = [p for p in waiting if p not in explained]
    if rest:
        found.append(_not_sent_yet(figures, rest))
    late = [
        p for p in postings
        if p.position > figures.cut and p.acknowledged and (p.acknowledged_at or 0) <= as_of
    ]  # fmt: skip
    if late:
        found.append(_acknowledged_before_close(figures, late))
    return found


def _difference(
    figures: AccountFigures, kind: DifferenceClass, detail: str,
    postings: Sequence[SentPosting] = (),
) -> Difference:  # fmt: skip
    return Difference(
        figures.account, kind, detail, figures.expected_balance, figures.expected_count,
        figures.ledger, tuple(postings[:LISTED]),
    )  # fmt: skip


def _totals(
    figures: AccountFigures, acknowledged: list[SentPosting], waiting: list[SentPosting]
) -> tuple[list[Difference], list[SentPosting]]:
    """Balance and count against the acknowledged postings up to the ledger's last one."""
    assert figures.ledger is not None
    count = figures.ledger.posting_count - figures.expected_count
    balance = figures.ledger.balance - figures.expected_balance
    if count == 0 and balance == 0:
        return [], []
    if count < 0:
        return [_sent_not_counted(figures, acknowledged, -count, -balance)], []
    if count > 0:
        match = _matching(waiting, count, balance)
        return [_counted_not_sent(figures, match, count, balance)], match
    return [_amount_or_side(figures, acknowledged, balance)], []


def _sent_not_counted(
    figures: AccountFigures, acknowledged: list[SentPosting], count: int, balance: int
) -> Difference:
    match = _matching(acknowledged, count, balance)
    if not match:
        return _unexplained(figures, -count, -balance)
    ambiguous = count == 1 and len(match) > 1
    which = "one of these postings alike in amount" if ambiguous else "these postings"
    detail = (
        f"the ledger counts {count} posting(s) fewer, {money(balance)} less; {which} "
        "sent and acknowledged but not counted: " + ", ".join(p.reference for p in match)
    )
    return _difference(figures, DifferenceClass.SENT_NOT_COUNTED, detail, match)


def _acknowledged_before_close(figures: AccountFigures, late: list[SentPosting]) -> Difference:
    assert figures.ledger is not None
    detail = (
        f"acknowledged before the ledger closed its day, yet after its last posting "
        f"{figures.ledger.last_ref}: not counted: " + ", ".join(p.reference for p in late)
    )
    return _difference(figures, DifferenceClass.SENT_NOT_COUNTED, detail, late)


def _counted_not_sent(
    figures: AccountFigures, match: list[SentPosting], count: int, balance: int
) -> Difference:
    """More in the ledger than was acknowledged: postings still waiting, or none of ours."""
    if not match:
        detail = (
            f"the ledger counts {count} posting(s) more, {money(balance)}; the gateway never "
            "sent them: no delivery of the account up to the ledger's last posting matches"
        )
        return _difference(figures, DifferenceClass.COUNTED_NOT_SENT, detail)
    never = all(p.attempts == 0 for p in match)
    how = "never sent" if never else "never acknowledged"
    detail = (
        f"the ledger counts {count} posting(s) more, {money(balance)}; the gateway's records "
        f"have them {how}: " + ", ".join(f"{p.reference} ({p.what})" for p in match)
    )
    return _difference(figures, DifferenceClass.COUNTED_NOT_SENT, detail, match)


def _not_sent_yet(figures: AccountFigures, waiting: list[SentPosting]) -> Difference:
    assert figures.ledger is not None
    detail = (
        f"not sent yet though the ledger's last posting {figures.ledger.last_ref} is later in "
        "the account's sequence: " + ", ".join(f"{p.reference} ({p.what})" for p in waiting)
    )
    return _difference(figures, DifferenceClass.NOT_SENT_YET, detail, waiting)


def _amount_or_side(
    figures: AccountFigures, acknowledged: list[SentPosting], balance: int
) -> Difference:
    flipped = [p for p in acknowledged if -2 * p.amount == balance]
    if flipped:
        side = "CR" if flipped[0].amount > 0 else "DR"
        detail = (
            f"same count, balance off by {money(balance)}: booked on the other side than the "
            f"{side} that was sent"
        )
        return _difference(figures, DifferenceClass.AMOUNT_OR_SIDE, detail, flipped)
    if len(acknowledged) == 1:
        posting = acknowledged[0]
        detail = (
            f"same count, balance off by {money(balance)}: {posting.reference} was sent as "
            f"{money(posting.amount)}, the ledger holds {money(posting.amount + balance)}"
        )
        return _difference(figures, DifferenceClass.AMOUNT_OR_SIDE, detail, acknowledged)
    detail = (
        f"same count, balance off by {money(balance)}: an amount the ledger booked differs "
        "from what was sent, and the records do not say which posting"
    )
    return _difference(figures, DifferenceClass.UNEXPLAINED, detail, acknowledged)


def _unknown_last_ref(figures: AccountFigures, postings: Sequence[SentPosting]) -> Difference:
    assert figures.ledger is not None
    acknowledged = [p for p in postings if p.acknowledged]
    last = f"; its last acknowledged is {acknowledged[-1].reference}" if acknowledged else ""
    detail = (
        f"the ledger's last posting {figures.ledger.last_ref} was never sent by the gateway "
        f"for this account{last}"
    )
    return _difference(figures, DifferenceClass.UNKNOWN_LAST_REF, detail, acknowledged[-1:])


def _only_in_gateway(figures: AccountFigures, postings: Sequence[SentPosting]) -> Difference:
    acknowledged = [p for p in postings if p.acknowledged]
    detail = (
        f"the ledger does not know the account; the gateway had {figures.expected_count} "
        f"posting(s), {money(figures.expected_balance)}, acknowledged by its close"
    )
    return _difference(figures, DifferenceClass.ONLY_IN_GATEWAY, detail, acknowledged)


def _unexplained(figures: AccountFigures, count: int, balance: int) -> Difference:
    detail = (
        f"the ledger counts {count:+d} posting(s), {money(balance)} against the acknowledged "
        "ones; no posting of the gateway's records explains it"
    )
    return _difference(figures, DifferenceClass.UNEXPLAINED, detail)


def _matching(candidates: list[SentPosting], count: int, total: int) -> list[SentPosting]:
    """Postings that explain `count` postings worth `total`: every single match, or one set."""
    if count == 1:
        return [p for p in candidates if p.amount == total]
    if count > 3:  # too many to search: only all of them together can explain it
        whole = len(candidates) == count and sum(p.amount for p in candidates) == total
        return candidates if whole else []
    for chosen in combinations(candidates[-COMBINATION_LIMIT:], count):
        if sum(p.amount for p in chosen) == total:
            return list(chosen)
    return []
