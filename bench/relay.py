"""Relay speed: N stored events published to RabbitMQ with publisher confirms.

Stores N events in SQLite and runs the broker relay (window 1,000) until its stored position
reaches N; the ceiling, in the same run: a raw aio-pika loop publishing the same bodies to an
exchange of its own, with confirms, 1,000 in flight at a time. Each exchange has one durable
queue bound (`#`), so both runs pay for routing and persisting the messages.

    .venv/bin/python bench/relay.py [--events 200000] [--url amqp://guest:guest@127.0.0.1/]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
from append import measure_store, stream_ids

from gateway.broker.messages import outbound_all
from gateway.broker.rabbitmq import RabbitPublisher, amqp_message
from gateway.broker.relay import BrokerRelay, RelayPolicy
from gateway.jobs.leases import JobLeases
from gateway.store.feed_pages import encoded_events
from gateway.store.sql import open_store


async def declare(url: str, exchange: str) -> None:
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        declared = await channel.declare_exchange(
            exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(f"{exchange}.q", durable=True)
        await queue.bind(declared, "#")


async def remove(url: str, exchange: str) -> None:
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        await channel.queue_delete(f"{exchange}.q")
        await channel.exchange_delete(exchange)


async def relay_run(database: str, url: str, exchange: str, events: int) -> float:
    store = open_store(f"sqlite:///{database}", migrate=False)
    relay = BrokerRelay(store, RabbitPublisher(url, exchange=exchange),
                        JobLeases(store, lease_seconds=30), name=exchange,
                        policy=RelayPolicy(window=1000, idle_wait=0.01))  # fmt: skip
    stop = asyncio.Event()

    async def watch() -> None:
        while await asyncio.to_thread(relay.positions.read, exchange) < events:
            await asyncio.sleep(0.01)
        stop.set()

    started = time.perf_counter()
    await asyncio.gather(relay.run(stop), watch())
    elapsed = time.perf_counter() - started
    store.engine.dispose()
    return elapsed


async def raw_run(database: str, url: str, exchange: str, events: int) -> float:
    store = open_store(f"sqlite:///{database}", migrate=False)
    messages, after = [], 0
    while after < events:
        page = encoded_events(store, after=after, limit=10_000)
        messages.extend(outbound_all(page))
        after = page[-1].position
    store.engine.dispose()
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        target = await channel.get_exchange(exchange)
        started = time.perf_counter()
        for start in range(0, len(messages), 1000):
            window = messages[start : start + 1000]
            await asyncio.gather(*(target.publish(amqp_message(m), m.key) for m in window))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672/")
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    ours, theirs = f"bench.relay.{tag}", f"bench.raw.{tag}"
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "gateway.db")
        measure_store(Path(database), stream_ids(min(20_000, args.events), ordered=True),
                      args.events, 1000)  # fmt: skip
        open_store(f"sqlite:///{database}").engine.dispose()  # the relay's tables
        for exchange in (ours, theirs):
            asyncio.run(declare(args.url, exchange))
        try:
            raw = asyncio.run(raw_run(database, args.url, theirs, args.events))
            relay = asyncio.run(relay_run(database, args.url, ours, args.events))
        finally:
            for exchange in (ours, theirs):
                asyncio.run(remove(args.url, exchange))
    print(
        f"{args.events:,} events with publisher confirms: relay {args.events / relay:,.0f} "
        f"msg/s | raw aio-pika, windows of 1,000: {args.events / raw:,.0f} msg/s | "
        f"{raw / relay:.2f}x the raw loop (target >= 0.70x)"
    )


if __name__ == "__main__":
    main()
