"""What the gateway asks of a message broker: publish confirmed, consume with acknowledgement.

Nothing here is RabbitMQ's: a Kafka implementation would map `key` to a topic or a record
key, `partition_key` to the partition, and `dead_letter` to a dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import NamedTuple, Protocol


class OutboundMessage(NamedTuple):
    """One stored event as a structured-mode CloudEvent, ready to publish."""

    id: str
    """The CloudEvents id: stable, so consumers drop a repeat."""
    key: str
    """`<stream kind>.<event type>`: the routing key, or a topic's record key."""
    partition_key: str
    """The stream: one stream's events keep their order on one partition or queue."""
    type: str
    time: str
    body: bytes


class EventPublisher(Protocol):
    """Publishes the store's events; only what the broker confirmed counts as published."""

    async def connect(self) -> None:
        """Connect and declare what publishing needs; `BrokerUnavailable` when it cannot."""

    async def publish(self, messages: Sequence[OutboundMessage]) -> int:
        """Publish in order; return how many, from the first, the broker confirmed.

        Fewer than `len(messages)` means the rest are unconfirmed (connection lost, refused):
        the caller publishes them again from the first unconfirmed one, after `connect`.
        """

    async def close(self) -> None: ...


class ReceivedMessage(Protocol):
    """A message read from the platform's queue, settled exactly once by its handler."""

    body: bytes
    message_id: str | None
    redelivered: bool

    async def ack(self) -> None:
        """The event is stored (or was already): the broker may forget the message."""

    async def dead_letter(self, reason: str) -> None:
        """Refused for good: to the dead letters with `reason`, never offered again."""


MessageHandler = Callable[[ReceivedMessage], Awaitable[None]]


class EventSubscriber(Protocol):
    """Reads the platform's events, handing each message to `handler` in arrival order."""

    async def consume(self, handler: MessageHandler) -> None:
        """Connect, declare, and consume until the connection is lost (`BrokerUnavailable`)."""

    async def close(self) -> None: ...
