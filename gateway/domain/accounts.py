"""The account aggregate as a decider: `decide(state, command)` and `evolve(state, event)`.

The rules live with their messages (lifecycle, postings, holds, cards); this module routes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from gateway.domain.account_lifecycle import (
    AccountClosed,
    AccountFrozen,
    AccountOpened,
    AccountUnfrozen,
    CloseAccount,
    FreezeAccount,
    OpenAccount,
    UnfreezeAccount,
    apply_closed,
    apply_frozen,
    apply_opened,
    apply_unfrozen,
    decide_close,
    decide_freeze,
    decide_open,
    decide_unfreeze,
)
from gateway.domain.account_messages import AccountCommand
from gateway.domain.account_snapshots import SNAPSHOT_VERSION, restore, snapshot
from gateway.domain.account_state import AccountState
from gateway.domain.cards import (
    CardStatusChanged,
    ChangeCardStatus,
    decide_card_status,
    record_card_change,
)
from gateway.domain.errors import DomainRejection, InvalidHistory, RejectionCode
from gateway.domain.holds import (
    HoldPlaced,
    HoldReleased,
    PlaceHold,
    ReleaseHold,
    apply_hold_placed,
    apply_hold_released,
    decide_place_hold,
    decide_release_hold,
)
from gateway.domain.messages import Command, Event
from gateway.domain.postings import (
    FeeCharged,
    FundsDeposited,
    FundsWithdrawn,
    InterestCredited,
    PostingCommand,
    PostingReversed,
    ReversePosting,
    admit_posting,
    admit_reversal,
    apply_posting,
    apply_reversal,
    decide_posting,
    decide_reversal,
)

__all__ = [
    "SNAPSHOT_VERSION",
    "admit",
    "decide",
    "evolve",
    "initial_state",
    "restore",
    "snapshot",
    "weight",
]


def initial_state() -> AccountState | None:
    """No account before `AccountOpened`."""
    return None


def weight(state: AccountState | None) -> int:
    """What a cached account holds: its postings, holds and cards."""
    if state is None:
        return 0
    return len(state.postings) + len(state.holds) + len(state.cards)


def decide(state: AccountState | None, command: Command) -> list[Event]:
    """The events `command` causes on the account, or a `DomainRejection` saying why not."""
    if isinstance(command, OpenAccount):
        return decide_open(state, command)
    if not isinstance(command, AccountCommand):
        raise TypeError(f"the account decider does not handle {type(command).__name__}")
    account = _opened(state, command)
    match command:
        case PostingCommand():
            return decide_posting(account, command)
        case ReversePosting():
            return decide_reversal(account, command)
        case PlaceHold():
            return decide_place_hold(account, command)
        case ReleaseHold():
            return decide_release_hold(account, command)
        case ChangeCardStatus():
            return decide_card_status(account.cards, command)
        case FreezeAccount():
            return decide_freeze(account, command)
        case UnfreezeAccount():
            return decide_unfreeze(account, command)
        case CloseAccount():
            return decide_close(account, command)
    raise TypeError(f"the account decider does not handle {type(command).__name__}")


def admit(state: AccountState | None, command: Command) -> None:
    """Raise what the account's standing alone refuses: unknown, closed, frozen, currency.

    None of that changes within a postings file, so a file import asks it of every posting
    before applying any; `decide` refuses the same postings for the same reasons.
    """
    if isinstance(command, PostingCommand):
        admit_posting(_opened(state, command), command)
    elif isinstance(command, ReversePosting):
        admit_reversal(_opened(state, command), command)


def _opened(state: AccountState | None, command: AccountCommand) -> AccountState:
    if state is None:
        raise DomainRejection(
            RejectionCode.UNKNOWN_ACCOUNT,
            f"account {command.account_no} was never opened",
        )
    return state


def _record_card(state: AccountState, event: CardStatusChanged) -> AccountState:
    return replace(state, cards=record_card_change(state.cards, event))


_STEPS: dict[type[Event], Callable[[AccountState, Any], AccountState]] = {
    FundsDeposited: apply_posting,
    FundsWithdrawn: apply_posting,
    FeeCharged: apply_posting,
    InterestCredited: apply_posting,
    PostingReversed: apply_reversal,
    HoldPlaced: apply_hold_placed,
    HoldReleased: apply_hold_released,
    CardStatusChanged: _record_card,
    AccountFrozen: apply_frozen,
    AccountUnfrozen: apply_unfrozen,
    AccountClosed: apply_closed,
}


def evolve(state: AccountState | None, event: Event) -> AccountState | None:
    """The account after `event`; pure, the state passed in is left untouched."""
    if isinstance(event, AccountOpened) and state is None:
        return apply_opened(event)
    step = _STEPS.get(type(event))
    if state is None or step is None:
        raise InvalidHistory(f"{event.type_name} cannot follow {state!r} on an account stream")
    try:
        return step(state, event)
    except KeyError as exc:
        raise InvalidHistory(f"{event.type_name} refers to unknown {exc}") from exc
