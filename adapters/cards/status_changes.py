"""CARDS' status-change feed (`GET /cards/v2/status-changes`) as pages of card commands.

`since` is CARDS' opaque cursor; `change_id` identifies a change on every page it appears on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gateway.config import PollSourceConfig
from gateway.domain.cards import CardStatus, ChangeCardStatus
from gateway.domain.messages import Command
from gateway.errors import PollRefused
from gateway.polling import PageRequest, PolledItem, PolledPage

PATH = "/cards/v2/status-changes"
MAX_LIMIT = 500


class CardsChange(BaseModel):
    """One change as CARDS reports it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    change_id: int
    card_id: str = Field(min_length=1)
    account_no: str = Field(min_length=1)
    status: Literal["ACTIVE", "BLOCKED", "EXPIRED", "CANCELLED"]
    reason: str | None = None
    changed_at: datetime


class CardsPage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    changes: list[dict[str, Any]]
    next_since: str | int | None = None
    has_more: bool = False


class CardsStatusChanges:
    """The CARDS adapter the polling engine loads by name."""

    def __init__(self, name: str, config: PollSourceConfig) -> None:
        self.name = name

    def request(self, *, cursor: str | None, page_size: int, lookback_seconds: int) -> PageRequest:
        params = {"since": cursor or "", "limit": str(min(page_size, MAX_LIMIT))}
        if lookback_seconds:
            params["lookback"] = str(lookback_seconds)
        return PageRequest(PATH, params)

    def read_page(self, body: Any) -> PolledPage:
        try:
            page = CardsPage.model_validate(body)
        except ValidationError as exc:
            raise PollRefused(f"CARDS answered a page of another shape: {exc}") from None
        items = [PolledItem(_change_key(change), change) for change in page.changes]
        next_since = None if page.next_since in (None, "") else str(page.next_since)
        return PolledPage(items, next_since, page.has_more)

    def translate(self, item: PolledItem, *, command_id: UUID) -> Command:
        change = CardsChange.model_validate(item.payload)
        return ChangeCardStatus(
            command_id=command_id,
            account_no=change.account_no,
            card_id=change.card_id,
            status=CardStatus(change.status),
            reason=change.reason,
            changed_at=change.changed_at,
        )


def _change_key(change: dict[str, Any]) -> str:
    """`change_id`, or (for a change without one) its whole content, so it still dedupes."""
    change_id = change.get("change_id")
    if isinstance(change_id, int | str) and str(change_id):
        return str(change_id)
    return "content:" + repr(sorted(change.items()))[:180]
