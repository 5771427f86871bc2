"""The authorization matrix, built from the app's own route table.

Every route x {no token, a wrong token, a platform token, an operator token} answers as the
route declares; a route that declares nobody fails here (and `create_app` refuses it).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from gateway.api import create_app
from gateway.api.access import Callers, route_access, undeclared_routes
from gateway.api.app import refuse_undeclared_routes
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from gateway.errors import GatewayError
from tests.http_server import serve_in_thread

PLATFORM_TOKEN, OPERATOR_TOKEN = "platform-token-2026", "operator-token-2026"
CALLERS = {
    "no token": None,
    "wrong token": "guessed-token",
    "platform token": PLATFORM_TOKEN,
    "operator token": OPERATOR_TOKEN,
}
REFUSED = {401, 403}
# What each declaration answers each caller: "in" (served, whatever the status) or a refusal
EXPECTED: dict[Callers, dict[str, int | str]] = {
    Callers.ANYONE: dict.fromkeys(CALLERS, "in"),
    Callers.SOURCE: dict.fromkeys(CALLERS, 401),  # a bearer token is no source credential
    Callers.READERS: {
        "no token": 401,
        "wrong token": 401,
        "platform token": "in",
        "operator token": "in",
    },
    Callers.PLATFORM: {
        "no token": 401,
        "wrong token": 401,
        "platform token": "in",
        "operator token": 403,
    },
    Callers.OPERATOR: {
        "no token": 401,
        "wrong token": 401,
        "platform token": 403,
        "operator token": "in",
    },
    # A console page without a session sends the browser to sign in (303); an action is a 401
    Callers.CONSOLE: {
        "no token": "sign in",
        "wrong token": 401,
        "platform token": 403,
        "operator token": "in",
    },
}
SIGN_IN = {303, 401}
PATH_VALUES = {"source": "keyed", "import_id": "1", "delivery_id": "1", "day": "2026-01-05",
               "job": "no-such-job", "stream_id": "account-1", "command_id": "c-1"}  # fmt: skip


@dataclass
class Served:
    app: FastAPI
    base_url: str


@pytest.fixture
def served(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", f"old-platform, {PLATFORM_TOKEN}")
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", f"old-operator, {OPERATOR_TOKEN}")
    monkeypatch.setenv("TEST_API_KEY", "k-1")
    source = {"kind": "webhook", "adapter": "tests.webhooks.customers_json:CustomerJsonWebhooks",
              "auth": {"scheme": "api_key", "key_env": "TEST_API_KEY"}}  # fmt: skip
    gateway = build(parse_config({"database": {"url": database_url}, "sources": {"keyed": source}}))
    app = create_app(gateway)
    with serve_in_thread(app) as base_url:
        yield Served(app, base_url)
    gateway.close()


def call(base_url: str, method: str, path: str, token: str | None) -> int:
    url = base_url + re.sub(r"{(\w+)}", lambda m: PATH_VALUES.get(m[1], "x"), path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "WEBSOCKET":
        return asyncio.run(handshake(url.replace("http://", "ws://"), headers))
    with (
        httpx.Client(timeout=10) as client,
        client.stream(method, url, headers=headers, json={} if method == "POST" else None) as r,
    ):
        return r.status_code  # a stream (SSE) is left once its status is known


async def handshake(url: str, headers: dict[str, str]) -> int:
    """101 when a WebSocket opens, else the status the handshake was refused with."""
    try:
        async with connect(url, additional_headers=headers):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def test_every_route_answers_each_caller_as_it_declares(served: Served) -> None:
    table = route_access(served.app)
    assert [f"{r.method} {r.path}" for r in table if r.callers is None] == []
    seen: dict[str, dict[str, int]] = {}
    wrong: list[str] = []
    for route in table:
        assert route.callers is not None
        for caller, token in CALLERS.items():
            status = call(served.base_url, route.method, route.path, token)
            seen.setdefault(f"{route.method} {route.path}", {})[caller] = status
            expected = EXPECTED[route.callers][caller]
            if expected == "sign in":
                ok = status in SIGN_IN
            else:
                ok = status not in REFUSED if expected == "in" else status == expected
            if not ok or status >= 500:
                wrong.append(f"{route.method} {route.path} {caller}: {status}, not {expected}")
    assert wrong == [], seen
    assert len(seen) >= 30  # the whole API, not a handful


def test_the_feed_and_command_status_need_a_platform_or_operator_token(served: Served) -> None:
    for path in ("/events", "/events/stream", "/streams/{stream_id}", "/commands/{command_id}"):
        declared = {r.path: r.callers for r in route_access(served.app) if r.method == "GET"}
        assert declared[path] is Callers.READERS, path
        assert call(served.base_url, "GET", path, None) == 401, path


def test_liveness_and_metrics_stay_open_for_probes_and_scrapers(served: Served) -> None:
    for path in ("/healthz", "/metrics"):
        assert call(served.base_url, "GET", path, None) == 200, path


def test_a_refusal_is_a_problem_that_asks_for_a_bearer_token(served: Served) -> None:
    missing = httpx.get(f"{served.base_url}/events")
    platform_on_operator_route = httpx.get(
        f"{served.base_url}/jobs", headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"}
    )

    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"] == "application/problem+json"
    assert platform_on_operator_route.status_code == 403
    assert "operator" in platform_on_operator_route.json()["detail"]


def test_the_previous_token_still_works_while_it_is_rotated_out(served: Served) -> None:
    for path, token in (("/jobs", "old-operator"), ("/events", "old-platform")):
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{served.base_url}{path}", headers=headers).status_code == 200


def test_a_route_without_declared_callers_is_refused_at_start(gateway: Gateway) -> None:
    app = create_app(gateway)
    app.add_api_route("/customers", list, methods=["GET"])

    assert undeclared_routes(app) == ["GET /customers"]
    with pytest.raises(GatewayError, match="GET /customers"):
        refuse_undeclared_routes(app)
