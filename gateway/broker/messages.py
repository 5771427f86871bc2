"""Stored events as the platform's broker carries them (platform-broker.md).

Structured-mode CloudEvents, routing key `<stream kind>.<event type>` (`account.FundsDeposited`);
the body is the feed's own bytes for the event, its stored `data` spliced in, never decoded.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.broker.port import OutboundMessage
from gateway.cloudevents import TYPE_PREFIX
from gateway.store.feed_pages import EncodedCloudEvent


def stream_kind(stream_id: str) -> str:
    """`account-000012345678` is of kind `account`."""
    return stream_id.split("-", 1)[0]


def outbound(event: EncodedCloudEvent) -> OutboundMessage:
    name = event.type.removeprefix(TYPE_PREFIX).rsplit(".v", 1)[0]
    return OutboundMessage(
        id=event.event_id,
        key=f"{stream_kind(event.stream_id)}.{name}",
        partition_key=event.stream_id,
        type=event.type,
        time=event.time,
        body=event.body,
    )


def outbound_all(events: Iterable[EncodedCloudEvent]) -> list[OutboundMessage]:
    return [outbound(e) for e in events]
