"""Over HTTP: the platform appends CloudEvents; operators see deliveries, dead letters and SLAs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.bootstrap import Gateway, build
from gateway.platform.settings import PlatformWriterConfig
from tests.delivery.ledger import gl_config, open_account
from tests.delivery.legacy_sim import TOKEN, LegacySim
from tests.http_server import app_client

PLATFORM_TOKEN = "platform-secret"
OPERATOR_TOKEN = "operator-secret"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
BATCH = "application/cloudevents-batch+json"


@pytest.fixture
def gateway(
    database_url: str, sim: LegacySim, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gateway]:
    monkeypatch.setenv("GL_BASE_URL", sim.base_url)
    monkeypatch.setenv("GL_TOKEN", TOKEN)
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", f"old-token, {PLATFORM_TOKEN}")
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", OPERATOR_TOKEN)
    config = gl_config(database_url)
    writers = {"payments": {"tokens_env": "GATEWAY_PLATFORM_TOKENS", "sources": ["/platform/*"]}}
    platform = config.platform_events.model_copy(update={"writers": {
        name: PlatformWriterConfig.model_validate(w) for name, w in writers.items()}})  # fmt: skip
    gateway = build(config.model_copy(update={"platform_events": platform}))
    for account in ("000012345678", "000099999999"):  # positions 1 and 2
        open_account(gateway.bus, account)
    yield gateway
    gateway.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with app_client(gateway, token=PLATFORM_TOKEN) as c:
        yield c


def deposit_event(ref: str, account: str = "000012345678", **extra: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"pay-{ref}", "source": "/platform/payments",
            "type": "bank.FundsDeposited.v2", "subject": f"account-{account}",
            "data": {"account_no": account, "posting_ref": ref, "value_date": "2026-11-26",
                     "amount": {"amount": "10.00", "currency": "EUR"}}, **extra}  # fmt: skip


def post_events(client: httpx.Client, body: Any, media: str = BATCH) -> httpx.Response:
    return client.post("/events", json=body, headers={"Content-Type": media})


def test_the_platform_appends_a_batch_once_and_gl_receives_it(
    gateway: Gateway, client: httpx.Client, sim: LegacySim
) -> None:
    batch = [deposit_event("P1"), deposit_event("P2"), deposit_event("P3", "000099999999")]

    first = post_events(client, batch)
    again = post_events(client, batch)
    single = post_events(client, deposit_event("P1"), "application/cloudevents+json")

    assert first.status_code == 201 and first.json()["appended"] == 3
    assert again.status_code == 200 and again.json()["duplicates"] == 3
    assert single.json()["events"] == [{"id": "pay-P1", "position": 3, "duplicate": True}]
    feed = client.get("/events", params={"after": 2}).json()
    assert [e["data"]["posting_ref"] for e in feed] == ["P1", "P2", "P3"]
    assert feed[1]["streamversion"] == 3
    engine = gateway.delivery
    assert engine is not None
    assert engine.run_until(lambda: len(sim.postings()) == 3, timeout=20)
    assert engine.run_until(lambda: engine.idle(), timeout=20)
    command = client.get(f"/commands/{uuid.uuid5(uuid.UUID(int=0), 'x')}")
    assert command.status_code == 404
    delivered = client.get("/deliveries", params={"status": "delivered"}, headers=OPERATOR).json()
    assert [d["position"] for d in delivered] == [3, 4, 5]
    shown = client.get(f"/deliveries/{delivered[0]['id']}", headers=OPERATOR).json()
    assert shown["attempts_made"][0]["status_code"] == 201
    (line,) = client.get("/sla", headers=OPERATOR).json()
    assert (line["name"], line["samples"], line["pending"]) == ("gl", 3, 0)


def test_the_command_status_lists_the_deliveries_that_followed(
    gateway: Gateway, client: httpx.Client
) -> None:
    answer = post_events(client, [deposit_event("P9")]).json()
    engine = gateway.delivery
    assert engine is not None
    engine.dispatch_once()
    record = gateway.store.read_all(after=2)[0].metadata["command_id"]

    status = client.get(f"/commands/{record}").json()

    assert answer["appended"] == 1
    assert [(d["destination"], d["status"]) for d in status["deliveries"]] == [("gl", "pending")]


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Authorization": "Bearer wrong"}, 401), ({"Authorization": "Bearer old-token"}, 201),
     ({"Content-Type": "text/plain"}, 415)],
)  # fmt: skip
def test_only_the_platform_may_append(
    client: httpx.Client, headers: dict[str, str], status: int
) -> None:
    answer = client.post("/events", json=[deposit_event("A1")],
                         headers={"Content-Type": BATCH, **headers})  # fmt: skip
    assert answer.status_code == status


@pytest.mark.parametrize(
    ("change", "field"),
    [({"type": "bank.NoSuchThing.v1"}, "[1].type"), ({"specversion": "0.3"}, "[1].specversion"),
     ({"data": {"account_no": "1"}}, "[1].data.posting_ref"), ({"subject": None}, "[1].subject")],
)  # fmt: skip
def test_an_event_that_is_not_a_registered_type_is_a_422_naming_the_field(
    client: httpx.Client, change: dict[str, Any], field: str
) -> None:
    event = {**deposit_event("B1"), **change}

    answer = post_events(client, [deposit_event("B0"), event])

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert client.get("/events", params={"after": 2}).json() == []  # all or nothing


def test_dead_letters_are_listed_and_redriven_over_http(
    gateway: Gateway, client: httpx.Client, sim: LegacySim
) -> None:
    sim.chaos(reject_refs=["D1"])
    post_events(client, [deposit_event("D1")])
    engine = gateway.delivery
    assert engine is not None
    assert engine.run_until(lambda: bool(client.get("/dlq", headers=OPERATOR).json()), timeout=20)
    (dead,) = client.get("/dlq", headers=OPERATOR).json()
    sim.chaos()

    redriven = client.post("/dlq/redrive", json={"ids": [dead["id"]]}, headers=OPERATOR).json()
    assert engine.run_until(lambda: len(sim.postings()) == 1, timeout=20)
    replay = client.post("/deliveries/replay", json={"destination": "gl", "from_position": 3,
                                                     "dry_run": True},
                         headers=OPERATOR).json()  # fmt: skip

    assert redriven == {"redriven": 1}
    assert replay["events"] == 1 and replay["dry_run"] is True


def test_a_replay_over_http_sends_the_range_again_under_the_same_key(
    gateway: Gateway, client: httpx.Client, sim: LegacySim
) -> None:
    post_events(client, [deposit_event("R1"), deposit_event("R2")])
    engine = gateway.delivery
    assert engine is not None
    assert engine.run_until(lambda: len(sim.postings()) == 2, timeout=20)

    at = client.get("/deliveries", headers=OPERATOR).json()[0]["position"]  # R1's
    replayed = client.post("/deliveries/replay", json={"destination": "gl", "from_position": at,
                                                       "to_position": at},
                           headers=OPERATOR).json()  # fmt: skip
    assert engine.run_until(lambda: len(sim.postings()) == 3, timeout=20)
    assert engine.run_until(lambda: engine.idle(), timeout=20)

    assert (replayed["requeued"], replayed["dry_run"]) == (1, False)
    first, _, again = sim.postings()
    assert (again["ref"], again["key"], again["duplicate"]) == ("R1", first["key"], True)
    shown = client.get("/deliveries", headers=OPERATOR).json()
    assert [d["status"] for d in shown] == ["delivered"] * 2
