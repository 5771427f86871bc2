"""`GET /events/stream` under load: capped streams, woken by appends, ended when idle.

Over real HTTP on each backend. A stream is woken by the append itself, so an event arrives
well within the fallback poll and a quiet stream reads the database a few times, not five
times a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import event

from gateway.api import create_app
from gateway.api.append_bell import AppendBell
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from tests.http_server import serve_in_thread
from tests.store.test_command_bus import deposit, open_account

TOKENS = ("token-a", "token-b", "token-c")


@dataclass
class Feed:
    gateway: Gateway
    base_url: str

    def open(self, token: str, stack: ExitStack) -> httpx.Response:
        client = stack.enter_context(httpx.Client(base_url=self.base_url, timeout=10))
        headers = {"Authorization": f"Bearer {token}"}
        return stack.enter_context(client.stream("GET", "/events/stream", headers=headers))


@pytest.fixture
def feed(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Feed]:
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", ",".join(TOKENS))
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", "operator-1")
    http = {"sse_max_streams": 3, "sse_max_streams_per_caller": 2, "sse_idle_seconds": 3}
    gateway = build(parse_config({"database": {"url": database_url}, "http": http}))
    app = create_app(gateway)
    # Without the bell a stream would only look again after this: a wake-up can't hide
    app.state.append_bell = AppendBell(gateway.store.engine, fallback_seconds=30)
    with serve_in_thread(app) as base_url:
        yield Feed(gateway, base_url)
    gateway.close()


def test_streams_past_the_callers_cap_or_the_total_are_refused_with_retry_after(
    feed: Feed,
) -> None:
    with ExitStack() as stack:
        first, second = feed.open("token-a", stack), feed.open("token-a", stack)
        third_of_a = feed.open("token-a", stack)
        of_b = feed.open("token-b", stack)
        past_total = feed.open("token-c", stack)

        assert (first.status_code, second.status_code, of_b.status_code) == (200, 200, 200)
        for refused in (third_of_a, past_total):
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "5"
        refused_detail = third_of_a.read()
        assert b"at most" in refused_detail


def test_a_closed_stream_gives_its_slot_back(feed: Feed) -> None:
    for _ in range(3):  # the caller's two slots, taken and given back three times over
        with ExitStack() as stack:
            assert open_when_free(feed, "token-a", stack) == 200
            assert feed.open("token-a", stack).status_code == 200


def open_when_free(feed: Feed, token: str, stack: ExitStack) -> int:
    """The server notices a closed stream a moment after the client leaves."""
    deadline = time.monotonic() + 5
    while True:
        attempt = ExitStack()
        status = feed.open(token, attempt).status_code
        if status == 200 or time.monotonic() > deadline:
            stack.push(attempt)
            return status
        attempt.close()
        time.sleep(0.05)


def test_an_append_wakes_a_waiting_stream_at_once(feed: Feed) -> None:
    feed.gateway.bus.handle(open_account())
    reads: list[object] = []

    def seen(*args: Any) -> None:  # every read takes a connection from the pool
        reads.append(args[0])

    with ExitStack() as stack:
        stream = feed.open("token-a", stack)
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("id: ")) == "id: 1"
        event.listen(feed.gateway.store.engine, "checkout", seen)
        time.sleep(1.0)  # quiet: the stream waits for the bell
        quiet_reads = len(reads)
        appended_at = time.monotonic()
        threading.Timer(0.05, lambda: feed.gateway.bus.handle(deposit("TX1"))).start()
        assert next(line for line in lines if line.startswith("id: ")) == "id: 2"
        latency = time.monotonic() - appended_at
        event.remove(feed.gateway.store.engine, "checkout", seen)

    assert latency < 10, latency  # woken by the append, not the 30-second fallback
    assert quiet_reads <= 1, quiet_reads  # polling five times a second: 5 reads


def test_a_stream_without_events_ends_after_the_idle_timeout(feed: Feed) -> None:
    started = time.monotonic()
    with ExitStack() as stack:
        stream = feed.open("token-a", stack)
        lines = list(stream.iter_lines())  # returns once the server ends the stream

    assert 2.5 < time.monotonic() - started < 8
    assert any("idle" in line for line in lines)


def test_the_stream_carries_the_feeds_events_one_data_line_each(feed: Feed) -> None:
    feed.gateway.bus.handle(open_account())
    feed.gateway.bus.handle(deposit("TX1"))
    store = feed.gateway.store
    with store.engine.begin() as conn:  # still JSON, but across lines (edited by hand, say)
        conn.exec_driver_sql(
            store.sql("UPDATE events SET data = ? WHERE position = 2"),
            (orjson.dumps(store.read_all()[1].data, option=orjson.OPT_INDENT_2),),
        )
    page = httpx.get(f"{feed.base_url}/events", headers={"Authorization": "Bearer token-a"})

    with ExitStack() as stack:
        lines = feed.open("token-a", stack).iter_lines()
        sent = []
        for _ in range(2):
            first = next(line for line in lines if line.startswith("id: "))
            sent.append((first, next(lines), next(lines), next(lines)))

    assert [(i, e) for i, e, _, _ in sent] == [
        ("id: 1", "event: bank.AccountOpened.v1"),
        ("id: 2", "event: bank.FundsDeposited.v2"),
    ]
    assert [orjson.loads(d.removeprefix("data: ")) for _, _, d, _ in sent] == page.json()
    assert [blank for _, _, _, blank in sent] == ["", ""]
