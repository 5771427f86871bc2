"""Card status changes from CARDS, recorded on the account the card belongs to.

CARDS repeats and commits late; the newest change by time is the card's status.
"""

from __future__ import annotations

from datetime import date

from gateway.domain.account_lifecycle import AccountClosed
from gateway.domain.cards import CardStatus, CardStatusChanged, ChangeCardStatus
from gateway.domain.deciders import ACCOUNTS
from tests.domain.bank import account_opened, at, eur, make
from tests.domain.scenario import given

BLOCKED = CardStatus.BLOCKED
ACTIVE = CardStatus.ACTIVE


def change(status: CardStatus, day: int, reason: str | None = None) -> ChangeCardStatus:
    return make(ChangeCardStatus, card_id="C1", status=status, reason=reason, changed_at=at(day))


def changed(
    status: CardStatus, day: int, reason: str | None = None, **fields: object
) -> CardStatusChanged:
    return make(
        CardStatusChanged, card_id="C1", status=status, reason=reason, changed_at=at(day), **fields
    )


def test_a_card_status_change_is_recorded_on_its_account() -> None:
    given(account_opened()).when(change(BLOCKED, 3, "LOST")).then(changed(BLOCKED, 3, "LOST"))


def test_a_card_status_change_for_an_unknown_account_is_rejected() -> None:
    given().when(change(BLOCKED, 3)).then_rejected("unknown_account")


def test_the_same_card_status_change_again_adds_no_event() -> None:
    given(account_opened(), changed(BLOCKED, 3)).when(change(BLOCKED, 3)).then_nothing()


def test_a_late_card_status_change_is_recorded_as_superseded() -> None:
    given(account_opened(), changed(BLOCKED, 5)).when(change(ACTIVE, 4)).then(
        changed(ACTIVE, 4, superseded=True)
    )


def test_a_late_card_status_change_does_not_overwrite_the_newer_status() -> None:
    state = ACCOUNTS.replay(
        [account_opened(), changed(BLOCKED, 5), changed(ACTIVE, 4, superseded=True)]
    )
    assert state is not None
    assert state.cards["C1"].status is BLOCKED


def test_a_card_on_a_closed_account_can_still_be_cancelled() -> None:
    closed = make(AccountClosed, effective_on=date(2026, 11, 30), closing_balance=eur("0.00"))
    given(account_opened(), closed).when(change(CardStatus.CANCELLED, 30)).then(
        changed(CardStatus.CANCELLED, 30)
    )
