"""The platform's view over HTTP: the CloudEvents feed, streams and command status."""

from __future__ import annotations

import httpx
import pytest

from gateway.bootstrap import Gateway
from gateway.store import NewEvent
from tests.store.test_command_bus import deposit, open_account


def test_the_feed_pages_through_events_as_a_cloudevents_batch(
    gateway: Gateway, client: httpx.Client
) -> None:
    gateway.bus.handle(open_account())
    gateway.bus.handle(deposit("TX1"))
    gateway.bus.handle(deposit("TX2"))

    first = client.get("/events", params={"after": 0, "limit": 2})

    assert first.status_code == 200
    assert first.headers["content-type"] == "application/cloudevents-batch+json"
    events = first.json()
    assert [e["position"] for e in events] == [1, 2]
    assert events[1]["specversion"] == "1.0"
    assert events[1]["type"] == "bank.FundsDeposited.v2"
    assert events[1]["subject"] == "account-000012345678"
    assert events[1]["streamversion"] == 2
    assert events[1]["data"]["amount"] == {"amount": "125.50", "currency": "EUR"}
    assert events[1]["sourceref"] == "TX1"
    assert first.headers["link"] == '</events?after=2&limit=2>; rel="next"'
    rest = client.get("/events?after=2&limit=2").json()
    assert [e["position"] for e in rest] == [3]
    assert client.get("/events?after=3").json() == []


def test_a_malformed_feed_position_is_a_422_problem_naming_the_field(client: httpx.Client) -> None:
    for query in ("after=abc", "after=-1", "limit=0", "limit=5001"):
        answer = client.get(f"/events?{query}")
        assert answer.status_code == 422, query
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["status"] == 422
        assert problem["errors"][0]["field"] == f"query.{query.split('=')[0]}"


TOKEN = "platform-reader"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def test_a_page_read_with_a_token_is_the_page_the_route_serves(
    gateway: Gateway, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", TOKEN)
    gateway.bus.handle(open_account())
    for ref in ("TX1", "TX2", "TX3"):
        gateway.bus.handle(deposit(ref))

    lane = client.get("/events?after=1&limit=2", headers=BEARER)  # the lean lane's
    route = client.get("/events?after=1&limit=2&by=route", headers=BEARER)  # FastAPI's: it
    default = client.get("/events", headers=BEARER)  # ignores a parameter the lane does not know

    assert lane.status_code == route.status_code == 200
    assert lane.content == route.content
    assert [e["position"] for e in lane.json()] == [2, 3]
    for name in ("content-type", "content-length", "link"):
        assert lane.headers[name] == route.headers[name], name
    assert lane.headers["link"] == '</events?after=3&limit=2>; rel="next"'
    assert default.headers["link"] == '</events?after=4&limit=100>; rel="next"'
    assert client.get("/events?limit=5001", headers=BEARER).status_code == 422
    assert client.get("/events?after=0&after=1", headers=BEARER).json()[0]["position"] == 2
    refused = client.get("/events", headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("headers", [{}, BEARER], ids=["route", "lane"])
def test_a_corrupt_stored_event_is_served_with_its_problem_not_a_500(
    gateway: Gateway, client: httpx.Client, monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str],
) -> None:  # fmt: skip
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", TOKEN)
    gateway.store.append("account-1", 0, [NewEvent("AccountFrozen", {"x": 1})] * 2)
    with gateway.store.engine.begin() as conn:
        conn.exec_driver_sql(
            gateway.store.sql("UPDATE events SET data = ? WHERE position = 1"), (b"{oops",)
        )

    answer = client.get("/events", headers=headers)

    assert answer.status_code == 200
    corrupt, fine = answer.json()
    assert "not valid" in corrupt["gatewayproblem"]
    assert corrupt["data"] == "{oops"
    assert "gatewayproblem" not in fine


def test_a_stream_is_read_whole_and_an_unknown_one_is_404(
    gateway: Gateway, client: httpx.Client
) -> None:
    gateway.bus.handle(open_account())
    gateway.bus.handle(deposit("TX1"))

    stream = client.get("/streams/account-000012345678").json()
    missing = client.get("/streams/account-nobody")

    assert stream["version"] == 2
    assert [e["type"] for e in stream["events"]] == [
        "bank.AccountOpened.v1",
        "bank.FundsDeposited.v2",
    ]
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_the_command_resource_tells_accepted_from_rejected(
    gateway: Gateway, client: httpx.Client
) -> None:
    rejected = gateway.bus.handle(deposit("TX1"))
    gateway.bus.handle(open_account())
    accepted = gateway.bus.handle(deposit("TX2"))

    ok = client.get(f"/commands/{accepted.command_id}").json()
    refused = client.get(f"/commands/{rejected.command_id}").json()
    unknown = client.get("/commands/no-such-command")

    assert ok["status"] == "accepted"
    assert [e["type"] for e in ok["events"]] == ["bank.FundsDeposited.v2"]
    assert refused["status"] == "rejected"
    assert refused["code"] == "unknown_account"
    assert refused["events"] == []
    assert unknown.status_code == 404


def test_health_metrics_and_docs_are_served(gateway: Gateway, client: httpx.Client) -> None:
    gateway.bus.handle(open_account())

    assert client.get("/healthz").json() == {"status": "ok", "head_position": 1}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "gateway_commands_total" in metrics.text
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/events", "/commands/{command_id}", "/streams/{stream_id}"} <= set(paths)
