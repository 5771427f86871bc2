"""Two whole stories, one account and one customer, touching every event type there is.

Replay, snapshot and store round-trip tests run over them.
"""

from __future__ import annotations

from datetime import date

from gateway.domain.account_lifecycle import AccountClosed, AccountFrozen, AccountUnfrozen
from gateway.domain.account_state import PostingKind
from gateway.domain.cards import CardStatus, CardStatusChanged
from gateway.domain.customers import CustomerAddressChanged, StaleAddressChangeRecorded
from gateway.domain.holds import HoldPlaced, HoldReleased
from gateway.domain.messages import Event
from gateway.domain.postings import (
    FeeCharged,
    FundsDeposited,
    FundsWithdrawn,
    InterestCredited,
    PostingReversed,
)
from tests.domain.bank import (
    NEW_HOME,
    OLD_HOME,
    VALUE_DATE,
    account_opened,
    at,
    customer_registered,
    eur,
    make,
    posting,
)

ACCOUNT_STORY: list[Event] = [
    account_opened(),
    posting(FundsDeposited, "TXN1", "1000.00"),
    posting(FundsWithdrawn, "TXN2", "1200.00", overdrawn=True),
    posting(FeeCharged, "TXN3", "2.50"),
    make(
        PostingReversed,
        posting_ref="REV1",
        reverses_ref="TXN3",
        reversed_kind=PostingKind.FEE,
        amount=eur("2.50"),
        value_date=VALUE_DATE,
    ),
    posting(InterestCredited, "TXN4", "0.37"),
    make(HoldPlaced, hold_id="H1", amount=eur("30.00")),
    make(HoldPlaced, hold_id="H2", amount=eur("5.00")),
    make(HoldReleased, hold_id="H1", amount=eur("30.00")),
    make(CardStatusChanged, card_id="C1", status=CardStatus.BLOCKED, changed_at=at(5)),
    make(
        CardStatusChanged,
        card_id="C1",
        status=CardStatus.ACTIVE,
        changed_at=at(4),
        superseded=True,
    ),
    make(AccountFrozen, effective_on=date(2026, 12, 1)),
    make(AccountUnfrozen, effective_on=date(2026, 12, 2)),
    make(AccountFrozen, effective_on=date(2026, 12, 3)),
    make(AccountClosed, effective_on=date(2026, 12, 31), closing_balance=eur("-199.63")),
]
CUSTOMER_STORY: list[Event] = [
    customer_registered(),
    make(CustomerAddressChanged, changed_at=at(10), **NEW_HOME),
    make(StaleAddressChangeRecorded, changed_at=at(8), current_as_of=at(10), **OLD_HOME),
]
