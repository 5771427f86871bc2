"""Card status changes, recorded on the stream of the account the card belongs to.

CARDS commits late and repeats itself, so the newest change by `changed_at` is the card's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime

from gateway.domain.account_messages import AccountCommand, AccountEvent
from gateway.domain.identifiers import CardId
from gateway.domain.messages import Event, command_type, event_type
from gateway.domain.persistent_map import PersistentMap


class CardStatus(StrEnum):
    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


@command_type("ChangeCardStatus")
class ChangeCardStatus(AccountCommand):
    card_id: CardId
    status: CardStatus
    reason: str | None = None
    changed_at: AwareDatetime


@event_type("CardStatusChanged", version=1)
class CardStatusChanged(AccountEvent):
    """`superseded` marks a late change: a newer one for the card was already recorded."""

    card_id: CardId
    status: CardStatus
    reason: str | None = None
    changed_at: AwareDatetime
    superseded: bool = False


@dataclass(frozen=True, slots=True)
class CardRecord:
    status: CardStatus
    changed_at: datetime


def decide_card_status(cards: Mapping[str, CardRecord], command: ChangeCardStatus) -> list[Event]:
    """Record every change CARDS reports, flagging late ones; the same change again adds nothing.

    The account must exist (the account decider checks), but may be frozen or closed: CARDS is
    authoritative for its cards and cancels them after an account closes.
    """
    known = cards.get(command.card_id)
    if known == CardRecord(command.status, command.changed_at):
        return []
    superseded = known is not None and command.changed_at <= known.changed_at
    fields = command.model_dump(exclude={"command_id"})
    return [CardStatusChanged(**fields, superseded=superseded)]


def record_card_change(
    cards: PersistentMap[str, CardRecord], event: CardStatusChanged
) -> PersistentMap[str, CardRecord]:
    """The cards after `event`: a late change is history, it leaves the card's status alone."""
    known = cards.get(event.card_id)
    if known is not None and event.changed_at <= known.changed_at:
        return cards
    return cards.set(event.card_id, CardRecord(event.status, event.changed_at))
