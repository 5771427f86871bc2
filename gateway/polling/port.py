"""What the polling engine asks of a legacy REST API's adapter.

The engine fetches, retries, dedupes and keeps the cursor; the adapter knows the API's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from gateway.domain.messages import Command


@dataclass(frozen=True, slots=True)
class PolledItem:
    """One change the API reported; `key` is its own id, the same on every page it shows up."""

    key: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PolledPage:
    items: list[PolledItem]
    next_cursor: str | None
    has_more: bool


@dataclass(frozen=True, slots=True)
class PageRequest:
    path: str
    params: Mapping[str, str]


class PollAdapter(Protocol):
    def request(self, *, cursor: str | None, page_size: int, lookback_seconds: int) -> PageRequest:
        """The call for the page after `cursor`; `lookback_seconds` is 0 after the first page."""
        ...

    def read_page(self, body: Any) -> PolledPage:
        """The page in a JSON answer; raises `PollRefused` when it has another shape."""
        ...

    def translate(self, item: PolledItem, *, command_id: UUID) -> Command:
        """The command for one change; a `ValidationError` sends the item to quarantine."""
        ...
