"""The decider registry and what the command service relies on: routing, replay, snapshots.

A snapshot restored and replayed onwards must equal the whole stream replayed.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from gateway.domain.account_lifecycle import FreezeAccount
from gateway.domain.customers import ChangeCustomerAddress
from gateway.domain.deciders import (
    ACCOUNTS,
    CUSTOMERS,
    Decider,
    decider_for,
    decider_for_stream,
)
from gateway.domain.errors import IncompatibleSnapshot, InvalidHistory, NoDecider
from gateway.domain.messages import Command, Event
from gateway.domain.postings import DepositFunds, FundsDeposited
from tests.domain.bank import (
    ACCOUNT,
    CUSTOMER,
    NEW_HOME,
    VALUE_DATE,
    account_opened,
    at,
    make,
    open_account,
    posting,
    register_customer,
)
from tests.domain.stories import ACCOUNT_STORY, CUSTOMER_STORY


@pytest.mark.parametrize(
    ("command", "decider", "stream_id"),
    [
        (open_account(), ACCOUNTS, f"account-{ACCOUNT}"),
        (make(FreezeAccount, effective_on=VALUE_DATE), ACCOUNTS, f"account-{ACCOUNT}"),
        (register_customer(), CUSTOMERS, f"customer-{CUSTOMER}"),
        (make(ChangeCustomerAddress, changed_at=at(3), **NEW_HOME), CUSTOMERS, None),
    ],
)
def test_a_command_is_routed_to_the_aggregate_that_owns_its_stream(
    command: Command, decider: Decider[Any], stream_id: str | None
) -> None:
    found = decider_for(command)
    assert found is decider
    assert decider_for_stream(found.stream_id(command)) is decider
    if stream_id is not None:
        assert found.stream_id(command) == stream_id


def test_a_stream_of_no_aggregate_has_no_decider() -> None:
    with pytest.raises(NoDecider):
        decider_for_stream("ledger-42")


def test_a_command_of_no_aggregate_has_no_decider() -> None:
    class Unrouted(Command):
        pass

    with pytest.raises(NoDecider):
        decider_for(Unrouted(command_id=uuid4()))


def test_each_decider_starts_from_nothing() -> None:
    assert ACCOUNTS.initial_state() is None
    assert CUSTOMERS.initial_state() is None


CUTS = [(ACCOUNTS, ACCOUNT_STORY, cut) for cut in range(len(ACCOUNT_STORY) + 1)] + [
    (CUSTOMERS, CUSTOMER_STORY, cut) for cut in range(len(CUSTOMER_STORY) + 1)
]


@pytest.mark.parametrize(
    ("decider", "story", "cut"), CUTS, ids=[f"{d.name}-{cut}" for d, _, cut in CUTS]
)
def test_a_restored_snapshot_replayed_onwards_equals_the_full_replay(
    decider: Decider[Any], story: list[Event], cut: int
) -> None:
    taken = json.loads(json.dumps(decider.snapshot(decider.replay(story[:cut]))))
    restored = decider.restore(taken)
    assert decider.fold(restored, story[cut:]) == decider.replay(story)


def test_an_account_snapshot_holds_exact_amounts() -> None:
    taken = ACCOUNTS.snapshot(ACCOUNTS.replay(ACCOUNT_STORY))
    assert (taken["balance"], taken["held"], taken["status"]) == ("-199.63", "5.00", "CLOSED")
    assert taken["postings"]["TXN3"] == ["FEE", "2.50", None, "REV1"]
    assert taken["cards"]["C1"][0] == "BLOCKED"


@pytest.mark.parametrize("decider", [ACCOUNTS, CUSTOMERS], ids=lambda decider: decider.name)
def test_a_snapshot_of_another_layout_is_refused(decider: Decider[Any]) -> None:
    with pytest.raises(IncompatibleSnapshot):
        decider.restore({"account_no": ACCOUNT, "customer_no": CUSTOMER})


def test_evolve_leaves_the_state_it_was_given_untouched() -> None:
    before = ACCOUNTS.replay(ACCOUNT_STORY)
    taken = ACCOUNTS.snapshot(before)
    after = ACCOUNTS.evolve(before, posting(FundsDeposited, "TXN9", "1.00"))
    assert ACCOUNTS.snapshot(before) == taken
    assert after is not None and before is not None
    assert "TXN9" in after.postings and "TXN9" not in before.postings


def test_decide_changes_nothing_it_was_given() -> None:
    state = ACCOUNTS.replay(ACCOUNT_STORY[:2])
    taken = ACCOUNTS.snapshot(state)
    ACCOUNTS.decide(state, posting(DepositFunds, "TXN9", "1.00"))
    assert ACCOUNTS.snapshot(state) == taken


def test_an_event_before_the_account_was_opened_is_invalid_history() -> None:
    with pytest.raises(InvalidHistory):
        ACCOUNTS.replay([posting(FundsDeposited, "TXN1", "1.00")])


def test_a_second_opening_in_a_stream_is_invalid_history() -> None:
    with pytest.raises(InvalidHistory):
        ACCOUNTS.replay([account_opened(), account_opened()])


def test_a_reversal_of_a_posting_not_in_the_stream_is_invalid_history() -> None:
    with pytest.raises(InvalidHistory):
        ACCOUNTS.replay([account_opened(), ACCOUNT_STORY[4]])


def test_a_customer_event_on_an_account_stream_is_invalid_history() -> None:
    with pytest.raises(InvalidHistory):
        ACCOUNTS.replay([account_opened(), CUSTOMER_STORY[1]])


def test_an_address_change_before_registration_is_invalid_history() -> None:
    with pytest.raises(InvalidHistory):
        CUSTOMERS.replay(CUSTOMER_STORY[1:])
