"""Postings from CBS: deposits, withdrawals, fees, interest and reversals on one account.

Each rule of the postings file that the domain owns has its test here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.domain.account_lifecycle import AccountClosed, AccountFrozen
from gateway.domain.account_state import PostingKind
from gateway.domain.deciders import ACCOUNTS
from gateway.domain.messages import Event
from gateway.domain.money import Money
from gateway.domain.postings import (
    ChargeFee,
    CreditInterest,
    DepositFunds,
    FeeCharged,
    FundsDeposited,
    FundsWithdrawn,
    InterestCredited,
    PostingCommand,
    PostingReversed,
    ReversePosting,
    WithdrawFunds,
)
from tests.domain.bank import VALUE_DATE, account_opened, eur, make, posting
from tests.domain.scenario import given

CLOSED = make(AccountClosed, effective_on=date(2026, 12, 31), closing_balance=eur("0.00"))
FROZEN = make(AccountFrozen, effective_on=date(2026, 12, 1))
POSTINGS = [
    (DepositFunds, FundsDeposited),
    (WithdrawFunds, FundsWithdrawn),
    (ChargeFee, FeeCharged),
    (CreditInterest, InterestCredited),
]
by_name = pytest.mark.parametrize(
    ("command", "event"), POSTINGS, ids=[command.__name__ for command, _ in POSTINGS]
)


def reverse(ref: str, reverses: str) -> ReversePosting:
    return make(ReversePosting, posting_ref=ref, reverses_ref=reverses, value_date=VALUE_DATE)


def reversed_(ref: str, reverses: str, kind: PostingKind, amount: str) -> PostingReversed:
    return make(
        PostingReversed,
        posting_ref=ref,
        reverses_ref=reverses,
        reversed_kind=kind,
        amount=eur(amount),
        value_date=VALUE_DATE,
        narrative="",
    )


@pytest.mark.parametrize(
    ("command", "event"),
    [(DepositFunds, FundsDeposited), (ChargeFee, FeeCharged), (CreditInterest, InterestCredited)],
)
def test_a_posting_is_recorded(command: type[PostingCommand], event: type[Event]) -> None:
    given(account_opened()).when(posting(command, "TXN1", "125.50", narrative="N")).then(
        posting(event, "TXN1", "125.50", narrative="N")
    )


def test_a_withdrawal_within_the_balance_is_not_overdrawn() -> None:
    given(account_opened(), posting(FundsDeposited, "TXN1", "100.00")).when(
        posting(WithdrawFunds, "TXN2", "100.00", narrative="N")
    ).then(posting(FundsWithdrawn, "TXN2", "100.00", narrative="N", overdrawn=False))


def test_a_withdrawal_below_zero_is_recorded_and_flagged_overdrawn() -> None:
    given(account_opened(), posting(FundsDeposited, "TXN1", "100.00")).when(
        posting(WithdrawFunds, "TXN2", "100.01", narrative="N")
    ).then(posting(FundsWithdrawn, "TXN2", "100.01", narrative="N", overdrawn=True))


@by_name
def test_a_posting_to_a_closed_account_is_rejected(
    command: type[PostingCommand], event: type[Event]
) -> None:
    given(account_opened(), CLOSED).when(posting(command, "TXN1", "10.00")).then_rejected(
        "account_closed"
    )


@by_name
def test_a_posting_in_another_currency_is_rejected(
    command: type[PostingCommand], event: type[Event]
) -> None:
    usd = make(command, posting_ref="TXN1", amount=Money.of("10.00", "USD"), value_date=VALUE_DATE)
    given(account_opened()).when(usd).then_rejected("currency_mismatch")


@by_name
@pytest.mark.parametrize("amount", ["0.00", "-5.00"])
def test_a_posting_of_zero_or_less_is_rejected(
    command: type[PostingCommand], event: type[Event], amount: str
) -> None:
    given(account_opened()).when(posting(command, "TXN1", amount)).then_rejected(
        "non_positive_amount"
    )


@by_name
def test_a_posting_already_applied_adds_no_event(
    command: type[PostingCommand], event: type[Event]
) -> None:
    given(account_opened(), posting(event, "TXN1", "10.00")).when(
        posting(command, "TXN1", "10.00")
    ).then_nothing()


def test_a_resent_posting_after_the_account_closed_adds_no_event() -> None:
    given(account_opened(), posting(FundsDeposited, "TXN1", "10.00"), CLOSED).when(
        posting(DepositFunds, "TXN1", "10.00")
    ).then_nothing()


def test_a_posting_ref_reused_for_another_amount_is_rejected() -> None:
    given(account_opened(), posting(FundsDeposited, "TXN1", "10.00")).when(
        posting(DepositFunds, "TXN1", "10.01")
    ).then_rejected("posting_ref_conflict")


def test_a_posting_ref_reused_for_another_kind_is_rejected() -> None:
    given(account_opened(), posting(FundsDeposited, "TXN1", "10.00")).when(
        posting(ChargeFee, "TXN1", "10.00")
    ).then_rejected("posting_ref_conflict")


def test_a_frozen_account_rejects_withdrawals() -> None:
    given(account_opened(), FROZEN).when(posting(WithdrawFunds, "TXN1", "10.00")).then_rejected(
        "account_frozen"
    )


@pytest.mark.parametrize(
    ("command", "event"),
    [(DepositFunds, FundsDeposited), (ChargeFee, FeeCharged), (CreditInterest, InterestCredited)],
)
def test_a_frozen_account_still_takes_deposits_interest_and_fees(
    command: type[PostingCommand], event: type[Event]
) -> None:
    given(account_opened(), FROZEN).when(posting(command, "TXN1", "10.00", narrative="N")).then(
        posting(event, "TXN1", "10.00", narrative="N")
    )


@by_name
def test_a_reversal_carries_the_kind_and_amount_of_the_posting_it_reverses(
    command: type[PostingCommand], event: type[Event]
) -> None:
    given(account_opened(), posting(event, "TXN1", "42.10")).when(reverse("REV1", "TXN1")).then(
        reversed_("REV1", "TXN1", command.kind, "42.10")
    )


def test_a_frozen_account_still_takes_reversals() -> None:
    given(account_opened(), posting(FundsWithdrawn, "TXN1", "5.00"), FROZEN).when(
        reverse("REV1", "TXN1")
    ).then(reversed_("REV1", "TXN1", PostingKind.WITHDRAWAL, "5.00"))


def test_a_reversal_of_an_unknown_posting_is_rejected() -> None:
    given(account_opened()).when(reverse("REV1", "TXN404")).then_rejected("unknown_posting")


def test_a_posting_cannot_be_reversed_twice() -> None:
    history = [
        account_opened(),
        posting(FundsDeposited, "TXN1", "5.00"),
        reversed_("REV1", "TXN1", PostingKind.DEPOSIT, "5.00"),
    ]
    given(*history).when(reverse("REV2", "TXN1")).then_rejected("posting_already_reversed")


def test_a_resent_reversal_adds_no_event() -> None:
    history = [
        account_opened(),
        posting(FundsDeposited, "TXN1", "5.00"),
        reversed_("REV1", "TXN1", PostingKind.DEPOSIT, "5.00"),
    ]
    given(*history).when(reverse("REV1", "TXN1")).then_nothing()


def test_a_reversal_cannot_itself_be_reversed() -> None:
    history = [
        account_opened(),
        posting(FundsDeposited, "TXN1", "5.00"),
        reversed_("REV1", "TXN1", PostingKind.DEPOSIT, "5.00"),
    ]
    given(*history).when(reverse("REV2", "REV1")).then_rejected("posting_not_reversible")


def test_a_reversal_reusing_a_posting_ref_is_rejected() -> None:
    history = [
        account_opened(),
        posting(FundsDeposited, "TXN1", "5.00"),
        posting(FundsDeposited, "TXN2", "5.00"),
    ]
    given(*history).when(reverse("TXN2", "TXN1")).then_rejected("posting_ref_conflict")


def test_a_reversal_on_a_closed_account_is_rejected() -> None:
    given(account_opened(), posting(FundsDeposited, "TXN1", "5.00"), CLOSED).when(
        reverse("REV1", "TXN1")
    ).then_rejected("account_closed")


def test_the_balance_is_the_sum_of_the_postings_less_the_reversed_ones() -> None:
    state = ACCOUNTS.replay(
        [
            account_opened(),
            posting(FundsDeposited, "TXN1", "1000.00"),
            posting(FundsWithdrawn, "TXN2", "250.25"),
            posting(FeeCharged, "TXN3", "2.50"),
            posting(InterestCredited, "TXN4", "0.37"),
            reversed_("REV1", "TXN3", PostingKind.FEE, "2.50"),
            reversed_("REV2", "TXN1", PostingKind.DEPOSIT, "1000.00"),
        ]
    )
    assert state is not None
    assert state.balance == Decimal("-249.88")
    assert str(state.balance) == "-249.88"
    assert state.postings["TXN1"].reversed_by == "REV2"
