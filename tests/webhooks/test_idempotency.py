"""Re-sent messages over real HTTP: message ids and `Idempotency-Key` (IETF draft semantics)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from gateway.bootstrap import Gateway
from tests.webhooks.conftest import API_KEY, as_json, customer, signed_headers, stored_counts

KEYED = {"content-type": "application/json", "x-api-key": API_KEY}


def post_keyed(client: httpx.Client, key: str, fields: dict[str, str]) -> httpx.Response:
    return client.post(
        "/webhooks/keyed", content=as_json(fields), headers={**KEYED, "idempotency-key": key}
    )


def test_the_same_key_and_payload_return_the_first_answer_and_add_nothing(
    gateway: Gateway, client: httpx.Client
) -> None:
    first = post_keyed(client, "order-1", customer())
    again = post_keyed(client, "order-1", customer())

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert stored_counts(gateway) == (1, 1)


def test_the_same_key_with_another_payload_is_422(gateway: Gateway, client: httpx.Client) -> None:
    post_keyed(client, "order-1", customer())

    answer = post_keyed(client, "order-1", customer(name="Grace Hopper"))

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"
    assert stored_counts(gateway) == (1, 1)


def test_a_key_still_in_flight_is_409(
    gateway: Gateway, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()
    handle_batch = gateway.bus.handle_batch

    def slow_handle(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(10)
        return handle_batch(*args, **kwargs)

    monkeypatch.setattr(gateway.bus, "handle_batch", slow_handle)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(post_keyed, client, "order-1", customer())
        assert entered.wait(10)
        second = post_keyed(client, "order-1", customer())
        release.set()
        assert first.result().status_code == 202

    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert stored_counts(gateway) == (1, 1)


def test_a_message_without_any_id_is_422_asking_for_a_key(client: httpx.Client) -> None:
    answer = client.post("/webhooks/keyed", content=as_json(customer()), headers=KEYED)

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_webhook_id_sent_five_times_at_once_is_one_command_and_one_event(
    gateway: Gateway, client: httpx.Client
) -> None:
    body = as_json(customer())
    headers = signed_headers(body, msg_id="evt_1")

    with ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(
                lambda _: client.post("/webhooks/signed", content=body, headers=headers), range(5)
            )
        )

    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["command_id"] for a in answers}) == 1
    assert stored_counts(gateway) == (1, 1)
