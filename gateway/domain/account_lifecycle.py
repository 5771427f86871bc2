"""An account's life as CBS's accounts file states it: opened, frozen, unfrozen, closed.

The file restates every account daily, so each status command is harmless when repeated.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date

from pydantic import Field

from gateway.domain.account_messages import AccountCommand, AccountEvent
from gateway.domain.account_state import AccountState, AccountStatus, refuse_when_closed
from gateway.domain.errors import DomainRejection, RejectionCode
from gateway.domain.identifiers import CustomerNo
from gateway.domain.messages import Event, command_type, event_type
from gateway.domain.money import CurrencyCode, Money


@command_type("OpenAccount")
class OpenAccount(AccountCommand):
    customer_no: CustomerNo
    product: str = Field(min_length=1)
    currency: CurrencyCode
    opened_on: date
    branch: str = Field(min_length=1)


@command_type("FreezeAccount")
class FreezeAccount(AccountCommand):
    effective_on: date


@command_type("UnfreezeAccount")
class UnfreezeAccount(AccountCommand):
    effective_on: date


@command_type("CloseAccount")
class CloseAccount(AccountCommand):
    effective_on: date


@event_type("AccountOpened", version=1)
class AccountOpened(AccountEvent):
    customer_no: CustomerNo
    product: str = Field(min_length=1)
    currency: CurrencyCode
    opened_on: date
    branch: str = Field(min_length=1)


@event_type("AccountFrozen", version=1)
class AccountFrozen(AccountEvent):
    effective_on: date


@event_type("AccountUnfrozen", version=1)
class AccountUnfrozen(AccountEvent):
    effective_on: date


@event_type("AccountClosed", version=1)
class AccountClosed(AccountEvent):
    """`closing_balance` may be non-zero: CBS is authoritative and has closed it already."""

    effective_on: date
    closing_balance: Money


def decide_open(state: AccountState | None, command: OpenAccount) -> list[Event]:
    """Opening again with the same terms adds nothing; with other terms it is refused."""
    opened = AccountOpened(**command.model_dump(exclude={"command_id"}))
    if state is None:
        return [opened]
    if opened == _opened_as(state):
        return []
    raise DomainRejection(
        RejectionCode.ACCOUNT_ALREADY_OPENED,
        f"account {command.account_no} is already open with other terms",
    )


def _opened_as(state: AccountState) -> AccountOpened:
    return AccountOpened(
        account_no=state.account_no,
        customer_no=state.customer_no,
        product=state.product,
        currency=state.currency,
        opened_on=state.opened_on,
        branch=state.branch,
    )


def decide_freeze(state: AccountState, command: FreezeAccount) -> list[Event]:
    refuse_when_closed(state, "freeze")
    if state.status is AccountStatus.FROZEN:
        return []
    return [AccountFrozen(account_no=command.account_no, effective_on=command.effective_on)]


def decide_unfreeze(state: AccountState, command: UnfreezeAccount) -> list[Event]:
    """CBS reports F -> O; an account that is already open stays as it is."""
    refuse_when_closed(state, "unfreeze")
    if state.status is AccountStatus.OPEN:
        return []
    return [AccountUnfrozen(account_no=command.account_no, effective_on=command.effective_on)]


def decide_close(state: AccountState, command: CloseAccount) -> list[Event]:
    """Accepted from open or frozen, whatever the balance; the balance is kept in the event."""
    if state.status is AccountStatus.CLOSED:
        return []
    return [
        AccountClosed(
            account_no=command.account_no,
            effective_on=command.effective_on,
            closing_balance=state.money(state.balance),
        )
    ]


def apply_opened(event: AccountOpened) -> AccountState:
    # Thousands of cached accounts share a few products, currencies and branches: one string
    # each, not one per account read back from its stream.
    return AccountState(
        account_no=event.account_no,
        customer_no=event.customer_no,
        product=sys.intern(event.product),
        currency=sys.intern(event.currency),
        opened_on=event.opened_on,
        branch=sys.intern(event.branch),
    )


def apply_frozen(state: AccountState, event: AccountFrozen) -> AccountState:
    return replace(state, status=AccountStatus.FROZEN)


def apply_unfrozen(state: AccountState, event: AccountUnfrozen) -> AccountState:
    return replace(state, status=AccountStatus.OPEN)


def apply_closed(state: AccountState, event: AccountClosed) -> AccountState:
    return replace(state, status=AccountStatus.CLOSED)
