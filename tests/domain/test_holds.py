"""Holds on an account: placed, released, and what a frozen or closed account allows.

A hold moves no money but lowers what the customer can spend.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gateway.domain.account_lifecycle import AccountClosed, AccountFrozen
from gateway.domain.deciders import ACCOUNTS
from gateway.domain.holds import HoldPlaced, HoldReleased, PlaceHold, ReleaseHold
from gateway.domain.money import Money
from gateway.domain.postings import FundsDeposited
from tests.domain.bank import account_opened, eur, make, posting
from tests.domain.scenario import given

FROZEN = make(AccountFrozen, effective_on=date(2026, 12, 1))
CLOSED = make(AccountClosed, effective_on=date(2026, 12, 31), closing_balance=eur("0.00"))


def place(hold_id: str = "H1", amount: str = "49.99") -> PlaceHold:
    return make(PlaceHold, hold_id=hold_id, amount=eur(amount))


def placed(hold_id: str = "H1", amount: str = "49.99") -> HoldPlaced:
    return make(HoldPlaced, hold_id=hold_id, amount=eur(amount))


def test_a_hold_is_placed() -> None:
    given(account_opened()).when(place()).then(placed())


def test_a_hold_placed_again_with_the_same_amount_adds_no_event() -> None:
    given(account_opened(), placed()).when(place()).then_nothing()


def test_a_hold_id_reused_for_another_amount_is_rejected() -> None:
    given(account_opened(), placed()).when(place(amount="50.00")).then_rejected("hold_conflict")


def test_a_frozen_account_takes_no_new_hold() -> None:
    given(account_opened(), FROZEN).when(place()).then_rejected("account_frozen")


def test_a_closed_account_takes_no_new_hold() -> None:
    given(account_opened(), CLOSED).when(place()).then_rejected("account_closed")


def test_a_hold_in_another_currency_is_rejected() -> None:
    usd = make(PlaceHold, hold_id="H1", amount=Money.of("5.00", "USD"))
    given(account_opened()).when(usd).then_rejected("currency_mismatch")


def test_a_hold_of_zero_is_rejected() -> None:
    given(account_opened()).when(place(amount="0")).then_rejected("non_positive_amount")


def test_a_hold_is_released_for_the_amount_placed() -> None:
    given(account_opened(), placed()).when(make(ReleaseHold, hold_id="H1")).then(
        make(HoldReleased, hold_id="H1", amount=eur("49.99"))
    )


def test_a_hold_on_a_frozen_account_can_still_be_released() -> None:
    given(account_opened(), placed(), FROZEN).when(make(ReleaseHold, hold_id="H1")).then(
        make(HoldReleased, hold_id="H1", amount=eur("49.99"))
    )


def test_releasing_a_released_hold_adds_no_event() -> None:
    released = make(HoldReleased, hold_id="H1", amount=eur("49.99"))
    given(account_opened(), placed(), released).when(make(ReleaseHold, hold_id="H1")).then_nothing()


def test_releasing_an_unknown_hold_is_rejected() -> None:
    given(account_opened()).when(make(ReleaseHold, hold_id="H9")).then_rejected("unknown_hold")


def test_holds_lower_the_available_balance_but_not_the_balance() -> None:
    state = ACCOUNTS.replay(
        [
            account_opened(),
            posting(FundsDeposited, "TXN1", "100.00"),
            placed("H1", "30.00"),
            placed("H2", "20.00"),
            make(HoldReleased, hold_id="H1", amount=eur("30.00")),
        ]
    )
    assert state is not None
    assert (state.balance, state.available) == (Decimal("100.00"), Decimal("80.00"))
