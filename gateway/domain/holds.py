"""Holds: funds set aside on an account (a card authorisation, a court order) until released.

A hold moves no money; it lowers the available balance while it stands.
"""

from __future__ import annotations

from dataclasses import replace

from gateway.domain.account_messages import AccountCommand, AccountEvent
from gateway.domain.account_state import (
    AccountState,
    HoldRecord,
    refuse_unless_payable,
    refuse_when_closed,
    refuse_when_frozen,
)
from gateway.domain.errors import DomainRejection, RejectionCode
from gateway.domain.identifiers import HoldId
from gateway.domain.messages import Event, command_type, event_type
from gateway.domain.money import Money


@command_type("PlaceHold")
class PlaceHold(AccountCommand):
    hold_id: HoldId
    amount: Money


@command_type("ReleaseHold")
class ReleaseHold(AccountCommand):
    """Release the whole hold; the amount released is the one placed."""

    hold_id: HoldId


@event_type("HoldPlaced", version=1)
class HoldPlaced(AccountEvent):
    hold_id: HoldId
    amount: Money


@event_type("HoldReleased", version=1)
class HoldReleased(AccountEvent):
    hold_id: HoldId
    amount: Money


def decide_place_hold(state: AccountState, command: PlaceHold) -> list[Event]:
    """A frozen account takes no new hold: a hold earmarks money to leave the account."""
    known = state.holds.get(command.hold_id)
    if known is not None:
        if (known.amount, state.currency) == (command.amount.amount, command.amount.currency):
            return []
        raise DomainRejection(
            RejectionCode.HOLD_CONFLICT, f"hold {command.hold_id} exists with another amount"
        )
    refuse_when_closed(state, "place a hold on")
    refuse_when_frozen(state, "place a hold on")
    refuse_unless_payable(state, command.amount)
    return [
        HoldPlaced(account_no=command.account_no, hold_id=command.hold_id, amount=command.amount)
    ]


def decide_release_hold(state: AccountState, command: ReleaseHold) -> list[Event]:
    """Releasing frees the customer's money, so it is allowed whatever the account's status."""
    known = state.holds.get(command.hold_id)
    if known is None:
        raise DomainRejection(
            RejectionCode.UNKNOWN_HOLD,
            f"hold {command.hold_id} is not known on account {command.account_no}",
        )
    if known.released:
        return []
    released = state.money(known.amount)
    return [HoldReleased(account_no=command.account_no, hold_id=command.hold_id, amount=released)]


def apply_hold_placed(state: AccountState, event: HoldPlaced) -> AccountState:
    amount = event.amount.amount
    holds = state.holds.set(event.hold_id, HoldRecord(amount))
    return replace(state, held=state.held + amount, holds=holds)


def apply_hold_released(state: AccountState, event: HoldReleased) -> AccountState:
    amount = event.amount.amount
    holds = state.holds.set(event.hold_id, HoldRecord(amount, released=True))
    return replace(state, held=state.held - amount, holds=holds)
