"""Stored events as the platform's broker carries them (platform-broker.md).

Structured-mode CloudEvents, routing key `<stream kind>.<event type>` (`account.FundsDeposited`).
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from gateway.broker.port import OutboundMessage
from gateway.cloudevents import to_cloudevent
from gateway.store.port import StoredEvent


def stream_kind(stream_id: str) -> str:
    """`account-000012345678` is of kind `account`."""
    return stream_id.split("-", 1)[0]


def outbound(stored: StoredEvent) -> OutboundMessage:
    body = to_cloudevent(stored)
    return OutboundMessage(
        id=stored.event_id,
        key=f"{stream_kind(stored.stream_id)}.{stored.type}",
        partition_key=stored.stream_id,
        type=body["type"],
        time=stored.recorded_at,
        body=orjson.dumps(body),
    )


def outbound_all(events: Iterable[StoredEvent]) -> list[OutboundMessage]:
    return [outbound(e) for e in events]
