"""A test's own view of the broker, through aio-pika: bind a queue, drain it, publish to it.

Each call opens its own connection (a test is synchronous; the gateway's bridge has its loop).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aio_pika


@dataclass(frozen=True)
class Seen:
    routing_key: str
    message_id: str | None
    type: str | None
    content_type: str | None
    delivery_mode: int | None
    timestamp: Any
    headers: dict[str, Any]
    body: bytes


def bind_queue(url: str, exchange: str, queue: str, key: str = "#") -> None:
    async def bind() -> None:
        async with await aio_pika.connect(url) as connection:
            channel = await connection.channel()
            ex = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
            declared = await channel.declare_queue(queue, durable=True)
            await declared.bind(ex, key)

    asyncio.run(bind())


def drain(url: str, queue: str, *, expect: int = 0, timeout: float = 30.0,
          settle: float = 0.3) -> list[Seen]:  # fmt: skip
    """Every message in `queue`: at least `expect` (waiting up to `timeout`), then any more
    arriving within `settle` seconds of the last."""

    async def read() -> list[Seen]:
        seen: list[Seen] = []
        deadline = time.monotonic() + timeout
        async with await aio_pika.connect(url) as connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=2000)
            declared = await channel.declare_queue(queue, passive=True)
            async with declared.iterator(no_ack=True) as messages:
                while True:
                    wait = settle if len(seen) >= expect else deadline - time.monotonic()
                    if wait <= 0:
                        return seen
                    try:
                        message = await asyncio.wait_for(messages.__anext__(), wait)
                    except TimeoutError:
                        return seen
                    seen.append(_seen(message))

    return asyncio.run(read())


def _seen(message: Any) -> Seen:
    return Seen(message.routing_key or "", message.message_id, message.type,
                message.content_type, message.delivery_mode, message.timestamp,
                dict(message.headers or {}), message.body)  # fmt: skip


def publish(url: str, exchange: str, messages: list[tuple[str, bytes]]) -> None:
    """Publish `(routing key, body)` pairs, persistent, with confirms."""

    async def send() -> None:
        async with await aio_pika.connect(url) as connection:
            channel = await connection.channel(publisher_confirms=True)
            ex = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
            for key, body in messages:
                await ex.publish(aio_pika.Message(body, delivery_mode=2), key)

    asyncio.run(send())
