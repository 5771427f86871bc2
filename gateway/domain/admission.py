"""Whether a ready-made event (one the platform sends) may follow its stream's history.

The stream's own decider judges: the event is turned back into the command that would have
caused it, and is admitted only when deciding that command on the stream's state yields
exactly this event. So every rule of the domain (an opened account, its currency, a closed
account, a known posting to reverse, ...) holds for the platform's events as for commands.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from gateway.domain.account_lifecycle import (
    CloseAccount,
    FreezeAccount,
    OpenAccount,
    UnfreezeAccount,
)
from gateway.domain.cards import ChangeCardStatus
from gateway.domain.customers import ChangeCustomerAddress, RegisterCustomer
from gateway.domain.deciders import Decider, decider_for, decider_for_stream
from gateway.domain.errors import NoDecider, UnfitEvent
from gateway.domain.holds import PlaceHold, ReleaseHold
from gateway.domain.messages import Command, Event
from gateway.domain.postings import (
    ChargeFee,
    CreditInterest,
    DepositFunds,
    ReversePosting,
    WithdrawFunds,
)

ANY_ID = UUID(int=0)

# Each event type: the command that causes it, and the event's fields the decider derives from
# the stream's state (left out of the command; the decision must then give the same values).
_CAUSES: dict[str, tuple[type[Command], frozenset[str]]] = {
    "AccountOpened": (OpenAccount, frozenset()),
    "AccountFrozen": (FreezeAccount, frozenset()),
    "AccountUnfrozen": (UnfreezeAccount, frozenset()),
    "AccountClosed": (CloseAccount, frozenset({"closing_balance"})),
    "FundsDeposited": (DepositFunds, frozenset()),
    "FundsWithdrawn": (WithdrawFunds, frozenset({"overdrawn"})),
    "FeeCharged": (ChargeFee, frozenset()),
    "InterestCredited": (CreditInterest, frozenset()),
    "PostingReversed": (ReversePosting, frozenset({"reversed_kind", "amount"})),
    "HoldPlaced": (PlaceHold, frozenset()),
    "HoldReleased": (ReleaseHold, frozenset({"amount"})),
    "CardStatusChanged": (ChangeCardStatus, frozenset({"superseded"})),
    "CustomerRegistered": (RegisterCustomer, frozenset()),
    "CustomerAddressChanged": (ChangeCustomerAddress, frozenset()),
    "StaleAddressChangeRecorded": (ChangeCustomerAddress, frozenset({"current_as_of"})),
}


def cause_of(event: Event) -> Command:
    """The command whose decision would record `event`."""
    try:
        command_class, derived = _CAUSES[event.type_name]
    except KeyError:
        raise UnfitEvent(
            "wrong_stream", f"{event.type_name} is not taken from the platform"
        ) from None
    fields: dict[str, Any] = {k: v for k, v in event if k not in derived}
    if event.type_name == "PostingReversed":
        fields["currency"] = event.amount.currency  # type: ignore[attr-defined]
    return command_class.model_validate({**fields, "command_id": ANY_ID})


def stream_decider(stream_id: str, event: Event) -> Decider[Any]:
    """The decider owning `stream_id`, refusing an event that belongs on another stream."""
    try:
        decider = decider_for_stream(stream_id)
    except NoDecider:
        raise UnfitEvent("wrong_stream", f"no aggregate owns stream {stream_id!r}") from None
    command = cause_of(event)
    if decider_for(command) is not decider:
        raise UnfitEvent(
            "wrong_stream", f"{event.type_name} belongs on a {decider_for(command).name} stream, "
            f"not on {stream_id!r}"
        )  # fmt: skip
    if command.stream_id() != stream_id:
        raise UnfitEvent(
            "wrong_stream", f"{event.type_name} names stream {command.stream_id()!r}, "
            f"not its subject {stream_id!r}"
        )  # fmt: skip
    return decider


def admit(decider: Decider[Any], state: Any, event: Event) -> Any:
    """The stream's state after `event`, or `DomainRejection` / `UnfitEvent` saying why not."""
    decided = decider.decide(state, cause_of(event))
    if not decided:
        raise UnfitEvent("already_recorded", f"the stream already holds this {event.type_name}")
    if decided != [event]:
        raise UnfitEvent("not_what_the_stream_records", _difference(decided, event))
    return decider.evolve(state, event)


def _difference(decided: list[Event], event: Event) -> str:
    (expected,) = decided
    if type(expected) is not type(event):
        return f"on this stream that is a {expected.type_name}, not a {event.type_name}"
    fields = [
        f"{event.type_name}.{name}: the stream's state gives {getattr(expected, name)!s}, "
        f"the event says {value!s}"
        for name, value in event
        if getattr(expected, name) != value
    ]
    return "; ".join(fields)
