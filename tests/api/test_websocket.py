"""`/ws` with a real WebSocket client (`websockets`): the feed and command statuses pushed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from tests.http_server import serve_in_thread
from tests.store.test_command_bus import deposit, open_account

TOKEN = "ws-platform-token"


@pytest.fixture
def gateway(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", TOKEN)
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", "ws-operator-token")
    config = {"database": {"url": database_url},
              "http": {"sse_idle_seconds": 2, "sse_max_streams_per_caller": 2}}  # fmt: skip
    gateway = build(parse_config(config))
    yield gateway
    gateway.close()


@pytest.fixture
def ws_url(gateway: Gateway) -> Iterator[str]:
    with serve_in_thread(create_app(gateway)) as base_url:
        yield base_url.replace("http://", "ws://") + "/ws"


def dial(url: str, token: str = TOKEN, **options: Any) -> Any:
    return connect(url, additional_headers={"Authorization": f"Bearer {token}"}, **options)


async def receive(ws: ClientConnection, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    return [orjson.loads(await asyncio.wait_for(ws.recv(), timeout)) for _ in range(count)]


def test_the_feed_is_pushed_from_a_position_and_resumes_after_a_disconnect(
    gateway: Gateway, ws_url: str
) -> None:
    gateway.bus.handle(open_account())
    gateway.bus.handle(deposit("TX1"))

    async def story() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with dial(ws_url) as ws:
            await ws.send(orjson.dumps({"op": "feed", "after": 0}).decode())
            first = await receive(ws, 2)
            await asyncio.to_thread(gateway.bus.handle, deposit("TX2"))
            first += await receive(ws, 1)  # pushed as appended
        await asyncio.to_thread(gateway.bus.handle, deposit("TX3"))
        async with dial(ws_url) as ws:
            await ws.send(orjson.dumps({"op": "feed", "after": first[-1]["position"]}).decode())
            again = await receive(ws, 1)
        return first, again

    first, again = asyncio.run(story())

    assert [m["position"] for m in first] == [1, 2, 3]
    assert [m["kind"] for m in first] == ["event"] * 3
    assert first[2]["event"]["data"]["posting_ref"] == "TX2"
    assert [m["position"] for m in again] == [4]
    assert again[0]["event"]["type"] == "bank.FundsDeposited.v2"


def test_a_command_status_is_pushed_the_moment_it_is_recorded(
    gateway: Gateway, ws_url: str
) -> None:
    known = gateway.bus.handle(open_account())
    later = deposit("TX9")
    later_id = str(later.command.command_id)

    async def story() -> list[dict[str, Any]]:
        async with dial(ws_url) as ws:
            ids = [known.command_id, later_id]
            await ws.send(orjson.dumps({"op": "commands", "ids": ids}).decode())
            answers = await receive(ws, 1)
            await asyncio.to_thread(gateway.bus.handle, later)
            return answers + await receive(ws, 1)

    answers = asyncio.run(story())

    assert [(m["kind"], m["id"]) for m in answers] == [("command", known.command_id),
                                                         ("command", later_id)]  # fmt: skip
    assert answers[1]["status"]["status"] == "accepted"
    assert answers[1]["status"]["events"][0]["data"]["posting_ref"] == "TX9"


def test_a_malformed_request_is_answered_with_an_error_and_the_socket_stays(
    ws_url: str, gateway: Gateway
) -> None:
    gateway.bus.handle(open_account())

    async def story() -> list[dict[str, Any]]:
        async with dial(ws_url) as ws:
            for bad in ("nope", "[1]", '{"op": "feed", "after": -1}', '{"op": "x"}'):
                await ws.send(bad)
            answers = await receive(ws, 4)
            await ws.send('{"op": "feed", "after": 0}')
            return answers + await receive(ws, 1)

    answers = asyncio.run(story())

    assert [m["kind"] for m in answers] == ["error"] * 4 + ["event"]


def test_without_a_token_or_from_another_origin_the_handshake_is_refused(ws_url: str) -> None:
    async def status_of(**options: Any) -> int:
        try:
            async with connect(ws_url, **options):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    no_token = asyncio.run(status_of())
    wrong = asyncio.run(status_of(additional_headers={"Authorization": "Bearer wrong"}))
    foreign = asyncio.run(status_of(additional_headers={"Authorization": f"Bearer {TOKEN}"},
                                    origin="http://evil.example"))  # fmt: skip

    assert (no_token, wrong, foreign) == (401, 401, 403)


def test_sockets_are_capped_per_caller_and_closed_when_idle(ws_url: str) -> None:
    async def story() -> tuple[Any, int | None, float]:
        async with dial(ws_url) as one, dial(ws_url) as two:
            with pytest.raises(InvalidStatus) as refused:
                async with dial(ws_url):
                    pass
            capped = refused.value.response
            started = asyncio.get_running_loop().time()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(one.recv(), 10)
            return capped, one.close_code, asyncio.get_running_loop().time() - started
        raise AssertionError(two)

    capped, idle, waited = asyncio.run(story())

    assert capped.status_code == 503 and capped.headers["Retry-After"] == "5"
    assert idle == 1000 and waited < 5


def test_an_unknown_command_id_is_never_answered_until_recorded(ws_url: str) -> None:
    async def story() -> None:
        async with dial(ws_url) as ws:
            await ws.send(orjson.dumps({"op": "commands", "ids": [str(uuid.uuid4())]}).decode())
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 1)

    asyncio.run(story())
