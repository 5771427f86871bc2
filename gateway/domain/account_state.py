"""An account as its events leave it: balance, status, postings index, holds and cards.

Immutable; every step of a replay shares what did not change with the state before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from gateway.domain.cards import CardRecord
from gateway.domain.errors import DomainRejection, RejectionCode
from gateway.domain.money import Money
from gateway.domain.persistent_map import PersistentMap, empty_map
from gateway.domain.posting_index import PostingIndex, PostingKind, PostingRecord, empty_index

__all__ = [
    "AccountState",
    "AccountStatus",
    "HoldRecord",
    "PostingIndex",
    "PostingKind",
    "PostingRecord",
    "refuse_unless_payable",
    "refuse_when_closed",
    "refuse_when_frozen",
    "signed",
]

ZERO = Decimal("0.00")


class AccountStatus(StrEnum):
    OPEN = "OPEN"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"


_CREDITS = frozenset({PostingKind.DEPOSIT, PostingKind.INTEREST})


def signed(kind: PostingKind, amount: Decimal) -> Decimal:
    """The posting's effect on the balance: deposits and interest add, the rest take away."""
    return amount if kind in _CREDITS else -amount


@dataclass(frozen=True, slots=True)
class HoldRecord:
    amount: Decimal
    released: bool = False


@dataclass(frozen=True, slots=True)
class AccountState:
    account_no: str
    customer_no: str
    product: str
    currency: str
    opened_on: date
    branch: str
    status: AccountStatus = AccountStatus.OPEN
    balance: Decimal = ZERO
    held: Decimal = ZERO
    postings: PostingIndex = field(default_factory=empty_index)
    holds: PersistentMap[str, HoldRecord] = field(default_factory=empty_map)
    cards: PersistentMap[str, CardRecord] = field(default_factory=empty_map)

    @property
    def available(self) -> Decimal:
        """The balance less the funds under active holds."""
        return self.balance - self.held

    def money(self, amount: Decimal) -> Money:
        return Money(amount=amount, currency=self.currency)

    def with_postings(self, *, balance: Decimal, postings: PostingIndex) -> AccountState:
        """`replace(self, balance=..., postings=...)` at a fraction of its cost: every posting
        of a file import (and of each history it replays) takes this step. The copy's slots are
        set through their descriptors: the frozen `__init__` sets each by name, twelve calls."""
        state = _NEW_STATE(AccountState)
        for get_slot, set_slot in _COPIED_SLOTS:
            set_slot(state, get_slot(self))
        _SET_BALANCE(state, balance)
        _SET_POSTINGS(state, postings)
        return state


_NEW_STATE = object.__new__
_SLOTS = {name: AccountState.__dict__[name] for name in AccountState.__slots__}
_COPIED_SLOTS = tuple(
    (slot.__get__, slot.__set__)
    for name, slot in _SLOTS.items()
    if name not in ("balance", "postings")
)
_SET_BALANCE = _SLOTS["balance"].__set__
_SET_POSTINGS = _SLOTS["postings"].__set__


def refuse_when_closed(state: AccountState, action: str) -> None:
    if state.status is AccountStatus.CLOSED:
        raise DomainRejection(
            RejectionCode.ACCOUNT_CLOSED, f"cannot {action} closed account {state.account_no}"
        )


def refuse_when_frozen(state: AccountState, action: str) -> None:
    if state.status is AccountStatus.FROZEN:
        raise DomainRejection(
            RejectionCode.ACCOUNT_FROZEN, f"cannot {action} frozen account {state.account_no}"
        )


def refuse_unless_payable(state: AccountState, money: Money) -> None:
    """Money moved on the account must be positive and in the account's own currency."""
    if not money.is_positive:
        raise DomainRejection(
            RejectionCode.NON_POSITIVE_AMOUNT, f"amount {money} must be greater than zero"
        )
    if money.currency != state.currency:
        raise DomainRejection(
            RejectionCode.CURRENCY_MISMATCH,
            f"{money} on account {state.account_no} kept in {state.currency}",
        )
