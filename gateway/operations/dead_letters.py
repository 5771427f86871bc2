"""Dead letters as an operator looks for them: by the posting they are, not by row ids.

Each dead letter carries its event's business key (a posting's TXN-REF, else the hold, card,
customer or account it is about) and the legacy input it came from (file and record, webhook
message or poll item), so `gateway dlq list | grep <TXN-REF>` and the console's search find it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.delivery.operations import DeliveryView, list_deliveries
from gateway.store.port import StoredEvent
from gateway.store.sql import SqlEventStore
from gateway.store.writes import EVENT_COLUMNS

# In order of preference: the legacy system's own reference first, then what it is about.
BUSINESS_KEYS = ("posting_ref", "hold_id", "card_id", "customer_no", "account_no")
MOST = 10_000


def business_key(data: Mapping[str, Any]) -> str | None:
    """The legacy key an operator knows the event by: a posting's TXN-REF, or the first of
    hold, card, customer and account found in it."""
    for key in BUSINESS_KEYS:
        value = data.get(key)
        if value:
            return str(value)
    return None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead delivery with the business key and legacy input of the event it carries."""

    delivery: DeliveryView
    business_key: str | None
    source: str | None
    source_record: str | None
    command_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.delivery.fields,
            "business_key": self.business_key,
            "source": self.source,
            "source_record": self.source_record,
            "command_id": self.command_id,
        }

    def matches(self, text: str) -> bool:
        wanted = text.strip().lower()
        fields = (self.business_key, self.source_record, self.delivery.fields.get("stream_id"),
                  self.command_id, str(self.delivery.fields.get("id")))  # fmt: skip
        return any(wanted in str(value).lower() for value in fields if value)


def dead_letters(
    store: SqlEventStore,
    *,
    destination: str | None = None,
    search: str | None = None,
    limit: int = MOST,
) -> list[DeadLetter]:
    """Dead letters, oldest first; `search` keeps those whose key, record or stream contains it."""
    found = list_deliveries(store, destination=destination, status="dead", limit=limit)
    letters = described(store, found)
    if search:
        letters = [letter for letter in letters if letter.matches(search)]
    return letters


def described(store: SqlEventStore, deliveries: Iterable[DeliveryView]) -> list[DeadLetter]:
    chosen = list(deliveries)
    events = events_at(store, {int(d.fields["position"]) for d in chosen})
    return [_letter(d, events.get(int(d.fields["position"]))) for d in chosen]


def _letter(delivery: DeliveryView, event: StoredEvent | None) -> DeadLetter:
    if event is None:
        return DeadLetter(delivery, None, None, None, None)
    meta = event.metadata
    return DeadLetter(delivery, business_key(event.data), meta.get("source"),
                      meta.get("source_ref"), meta.get("command_id"))  # fmt: skip


def events_at(store: SqlEventStore, positions: Iterable[int]) -> dict[int, StoredEvent]:
    """The events at these positions, read 500 at a time."""
    wanted = sorted(positions)
    found: dict[int, StoredEvent] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for event in store.read_events(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE position IN ({marks})", tuple(chunk)
        ):
            found[event.position] = event
    return found
