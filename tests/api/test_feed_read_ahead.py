"""A consumer catching up finds each next page read already; the feed's head is read fresh."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from gateway.api.read_ahead import ReadAhead
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from gateway.store import NewEvent
from gateway.store.feed_pages import feed_page
from gateway.store.sql import SqlEventStore
from tests.http_server import app_client
from tests.waiting import wait_until

TOKEN = "platform-reader"
FROZEN = NewEvent("AccountFrozen", {"x": 1})


class Reads:
    """Every read of the store takes a connection from its pool: counted here."""

    def __init__(self, store: SqlEventStore) -> None:
        self.count = 0
        event.listen(store.engine, "checkout", self.seen)

    def seen(self, *_: Any) -> None:
        self.count += 1


@pytest.fixture
def gateway(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", TOKEN)
    gateway = build(parse_config({"database": {"url": database_url}}))
    yield gateway
    gateway.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with app_client(gateway, token=TOKEN) as c:
        yield c


def test_the_page_after_a_full_one_is_read_before_it_is_asked_for(
    gateway: Gateway, client: httpx.Client
) -> None:
    gateway.store.append("account-1", 0, [FROZEN] * 25)
    reads = Reads(gateway.store)

    first = client.get("/events?after=0&limit=10")
    assert wait_until(lambda: reads.count == 2)  # its own read, and the next page's
    second = client.get("/events?after=10&limit=10")  # full too: the one after it read ahead
    time.sleep(0.2)

    assert reads.count == 3  # none of its own
    assert first.content == feed_page(gateway.store, after=0, limit=10)[0]
    assert second.content == feed_page(gateway.store, after=10, limit=10)[0]
    assert second.headers["link"] == '</events?after=20&limit=10>; rel="next"'


def test_the_page_at_the_feeds_head_is_read_when_asked_for(
    gateway: Gateway, client: httpx.Client
) -> None:
    gateway.store.append("account-1", 0, [FROZEN] * 15)
    reads = Reads(gateway.store)
    client.get("/events?after=0&limit=10")
    assert wait_until(lambda: reads.count == 2)  # read ahead: five events, not a full page

    gateway.store.append("account-1", 15, [FROZEN] * 3)
    head = client.get("/events?after=10&limit=10")

    assert [e["position"] for e in head.json()] == list(range(11, 19))


def test_read_ahead_holds_a_few_pages_a_few_seconds(store: SqlEventStore) -> None:
    store.append("account-1", 0, [FROZEN] * 40)
    reads = Reads(store)
    now = [0.0]
    ahead = ReadAhead(store, pages=2, seconds=5, clock=lambda: now[0])

    async def consumers() -> list[int]:
        for after in (0, 10, 20):  # three consumers at once: two pages held, the third not
            await ahead.page(after, 5)
        await asyncio.sleep(0.5)
        held, before = ahead.held, reads.count
        await ahead.page(5, 5)  # held: no read, and the page after it is read ahead
        await asyncio.sleep(0.5)
        now[0] = 6.0  # too long unasked: read again
        await ahead.page(15, 5)
        await asyncio.sleep(0.5)
        return [held, reads.count - before]

    held, read_since = asyncio.run(consumers())

    assert held == 2
    assert read_since == 3  # (5, 5) ahead of it; (15, 5) read again, and (20, 5) ahead of it
    assert ReadAhead(store, pages=0).pages == 0
