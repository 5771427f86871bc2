"""Accounts as CBS's daily accounts file states them: opened, frozen, unfrozen and closed.

The file restates every account each day, so a repeated status adds nothing.
"""

from __future__ import annotations

from datetime import date

import pytest

from gateway.domain.account_lifecycle import (
    AccountClosed,
    AccountFrozen,
    AccountUnfrozen,
    CloseAccount,
    FreezeAccount,
    UnfreezeAccount,
)
from gateway.domain.cards import CardStatus, ChangeCardStatus
from gateway.domain.holds import PlaceHold, ReleaseHold
from gateway.domain.messages import Command
from gateway.domain.postings import (
    ChargeFee,
    CreditInterest,
    DepositFunds,
    FundsDeposited,
    FundsWithdrawn,
    ReversePosting,
    WithdrawFunds,
)
from tests.domain.bank import VALUE_DATE, account_opened, at, eur, make, open_account, posting
from tests.domain.scenario import given

DAY = date(2026, 12, 1)


def test_an_account_is_opened() -> None:
    given().when(open_account()).then(account_opened())


def test_opening_the_same_account_again_with_the_same_terms_adds_no_event() -> None:
    given(account_opened()).when(open_account()).then_nothing()


def test_opening_the_same_account_again_with_other_terms_is_rejected() -> None:
    given(account_opened()).when(open_account(product="SAVINGS")).then_rejected(
        "account_already_opened"
    )


def test_a_closed_account_is_not_opened_again() -> None:
    closed = make(AccountClosed, effective_on=DAY, closing_balance=eur("0.00"))
    given(account_opened(), closed).when(open_account(branch="0099")).then_rejected(
        "account_already_opened"
    )


@pytest.mark.parametrize(
    "command",
    [
        posting(DepositFunds, "TXN1", "10.00"),
        posting(WithdrawFunds, "TXN1", "10.00"),
        posting(ChargeFee, "TXN1", "10.00"),
        posting(CreditInterest, "TXN1", "10.00"),
        make(ReversePosting, posting_ref="TXN2", reverses_ref="TXN1", value_date=VALUE_DATE),
        make(PlaceHold, hold_id="H1", amount=eur("10.00")),
        make(ReleaseHold, hold_id="H1"),
        make(FreezeAccount, effective_on=DAY),
        make(UnfreezeAccount, effective_on=DAY),
        make(CloseAccount, effective_on=DAY),
        make(ChangeCardStatus, card_id="C1", status=CardStatus.ACTIVE, changed_at=at(3)),
    ],
    ids=lambda command: type(command).__name__,
)
def test_nothing_but_opening_happens_to_an_account_never_opened(command: Command) -> None:
    given().when(command).then_rejected("unknown_account")


def test_an_open_account_is_frozen() -> None:
    given(account_opened()).when(make(FreezeAccount, effective_on=DAY)).then(
        make(AccountFrozen, effective_on=DAY)
    )


def test_freezing_a_frozen_account_adds_no_event() -> None:
    frozen = make(AccountFrozen, effective_on=DAY)
    given(account_opened(), frozen).when(make(FreezeAccount, effective_on=DAY)).then_nothing()


def test_a_frozen_account_is_unfrozen_when_cbs_reopens_it() -> None:
    frozen = make(AccountFrozen, effective_on=DAY)
    given(account_opened(), frozen).when(make(UnfreezeAccount, effective_on=DAY)).then(
        make(AccountUnfrozen, effective_on=DAY)
    )


def test_unfreezing_an_open_account_adds_no_event() -> None:
    given(account_opened()).when(make(UnfreezeAccount, effective_on=DAY)).then_nothing()


def test_a_closed_account_cannot_be_frozen() -> None:
    closed = make(AccountClosed, effective_on=DAY, closing_balance=eur("0.00"))
    given(account_opened(), closed).when(make(FreezeAccount, effective_on=DAY)).then_rejected(
        "account_closed"
    )


def test_a_closed_account_cannot_be_unfrozen() -> None:
    closed = make(AccountClosed, effective_on=DAY, closing_balance=eur("0.00"))
    given(account_opened(), closed).when(make(UnfreezeAccount, effective_on=DAY)).then_rejected(
        "account_closed"
    )


def test_an_account_is_closed_with_its_balance_recorded() -> None:
    given(account_opened(), posting(FundsDeposited, "TXN1", "125.50")).when(
        make(CloseAccount, effective_on=DAY)
    ).then(make(AccountClosed, effective_on=DAY, closing_balance=eur("125.50")))


def test_an_overdrawn_account_is_closed_because_cbs_already_closed_it() -> None:
    given(account_opened(), posting(FundsWithdrawn, "TXN1", "40.00", overdrawn=True)).when(
        make(CloseAccount, effective_on=DAY)
    ).then(make(AccountClosed, effective_on=DAY, closing_balance=eur("-40.00")))


def test_a_frozen_account_can_be_closed() -> None:
    frozen = make(AccountFrozen, effective_on=DAY)
    given(account_opened(), frozen).when(make(CloseAccount, effective_on=DAY)).then(
        make(AccountClosed, effective_on=DAY, closing_balance=eur("0.00"))
    )


def test_closing_a_closed_account_adds_no_event() -> None:
    closed = make(AccountClosed, effective_on=DAY, closing_balance=eur("0.00"))
    given(account_opened(), closed).when(make(CloseAccount, effective_on=DAY)).then_nothing()
