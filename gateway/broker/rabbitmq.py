"""The broker port on RabbitMQ (AMQP 0-9-1, aio-pika): the platform team's conventions.

Publishing: durable topic exchange, persistent messages, publisher confirms. Consuming: a
durable quorum queue bound with `#`; a refused message is published to the dead-letter
exchange with `x-gateway-reason` (confirmed), then acknowledged. Everything is declared at
connect, idempotently. aio-pika's errors are translated to `BrokerUnavailable` here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
)
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError

from gateway.broker.port import MessageHandler, OutboundMessage
from gateway.errors import BrokerUnavailable

log = logging.getLogger(__name__)
CLOUDEVENT = "application/cloudevents+json"
REASON_HEADER = "x-gateway-reason"
_FAILURES = (AMQPError, ChannelInvalidStateError, ConnectionError, OSError, TimeoutError,
             asyncio.TimeoutError, RuntimeError)  # fmt: skip


async def _connect(url: str, *, timeout: float) -> aio_pika.abc.AbstractConnection:
    try:
        # Not a robust connection: the relay and the consumer reconnect themselves, and must
        # know when a connection was lost (a robust one would hide the unconfirmed tail).
        return await aio_pika.connect(url, timeout=timeout)
    except _FAILURES as exc:
        raise BrokerUnavailable(f"cannot connect to the broker: {exc!r}") from exc


def amqp_message(m: OutboundMessage) -> aio_pika.Message:
    return aio_pika.Message(
        m.body, content_type=CLOUDEVENT, message_id=m.id, type=m.type,
        timestamp=datetime.fromisoformat(m.time.replace("Z", "+00:00")),
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )  # fmt: skip


class RabbitPublisher:
    """Publishes to a durable topic exchange with publisher confirms."""

    def __init__(self, url: str, *, exchange: str, timeout: float = 10.0) -> None:
        self.url = url
        self.exchange_name = exchange
        self.timeout = timeout
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None

    async def connect(self) -> None:
        await self.close()
        self._connection = await _connect(self.url, timeout=self.timeout)
        try:
            channel = await self._connection.channel(publisher_confirms=True)
            self._exchange = await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        except _FAILURES as exc:
            await self.close()
            raise BrokerUnavailable(f"cannot declare {self.exchange_name}: {exc!r}") from exc

    async def publish(self, messages: Sequence[OutboundMessage]) -> int:
        """All of `messages` in flight at once (in order on one channel); the confirmed prefix."""
        exchange = self._exchange
        if exchange is None:
            return 0
        sent = [asyncio.ensure_future(exchange.publish(amqp_message(m), m.key, mandatory=False))
                for m in messages]  # fmt: skip
        results = await asyncio.gather(*sent, return_exceptions=True)
        for index, result in enumerate(results):
            if isinstance(result, BaseException):
                log.warning("publish of %s not confirmed: %r", messages[index].id, result)
                return index
        return len(results)

    async def close(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(*_FAILURES):
                await connection.close()


class RabbitDelivery:
    """One message of the platform's queue, as the port's `ReceivedMessage`."""

    def __init__(self, message: AbstractIncomingMessage, dead_letters: AbstractExchange) -> None:
        self._message = message
        self._dead_letters = dead_letters
        self.body = message.body
        self.message_id = message.message_id
        self.redelivered = bool(message.redelivered)

    async def ack(self) -> None:
        await self._settle(self._message.ack())

    async def dead_letter(self, reason: str) -> None:
        original = self._message
        headers: dict[str, Any] = {**(original.headers or {}), REASON_HEADER: reason[:1000]}
        copy = aio_pika.Message(
            original.body, headers=headers, content_type=original.content_type,
            message_id=original.message_id, type=original.type, timestamp=original.timestamp,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )  # fmt: skip
        try:
            await self._dead_letters.publish(copy, original.routing_key or "", mandatory=False)
        except _FAILURES as exc:
            raise BrokerUnavailable(f"dead letter not confirmed: {exc!r}") from exc
        await self.ack()

    async def _settle(self, settling: Any) -> None:
        try:
            await settling
        except _FAILURES as exc:
            raise BrokerUnavailable(f"message not settled: {exc!r}") from exc


class RabbitSubscriber:
    """Declares and reads the platform's queue, with its dead-letter exchange and queue."""

    def __init__(
        self, url: str, *, exchange: str, queue: str, dead_letter_exchange: str,
        dead_letter_queue: str, prefetch: int = 100, timeout: float = 10.0,
    ) -> None:  # fmt: skip
        self.url = url
        self.names = (exchange, queue, dead_letter_exchange, dead_letter_queue)
        self.prefetch = prefetch
        self.timeout = timeout
        self._connection: aio_pika.abc.AbstractConnection | None = None

    async def consume(self, handler: MessageHandler) -> None:
        self._connection = connection = await _connect(self.url, timeout=self.timeout)
        try:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=self.prefetch)
            queue, dead_letters = await self._declare(channel)
            async with queue.iterator() as messages:
                async for message in messages:
                    await handler(RabbitDelivery(message, dead_letters))
        except _FAILURES as exc:
            raise BrokerUnavailable(f"consuming stopped: {exc!r}") from exc
        finally:
            await self.close()
        raise BrokerUnavailable("the broker closed the consumer")

    async def _declare(
        self, channel: AbstractChannel
    ) -> tuple[aio_pika.abc.AbstractQueue, AbstractExchange]:
        exchange_name, queue_name, dlx_name, dlq_name = self.names
        topic, durable = aio_pika.ExchangeType.TOPIC, True
        platform = await channel.declare_exchange(exchange_name, topic, durable=durable)
        dead_letters = await channel.declare_exchange(dlx_name, topic, durable=durable)
        quorum: dict[str, Any] = {"x-queue-type": "quorum"}
        dlq = await channel.declare_queue(dlq_name, durable=True, arguments=quorum)
        await dlq.bind(dead_letters, "#")
        queue = await channel.declare_queue(
            queue_name, durable=True, arguments={**quorum, "x-dead-letter-exchange": dlx_name}
        )
        await queue.bind(platform, "#")
        return queue, dead_letters

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(*_FAILURES):
                await connection.close()
