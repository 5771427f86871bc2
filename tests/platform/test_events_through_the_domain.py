"""`POST /events` as an attacker with a platform token would try it: the domain decides."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.bootstrap import Gateway
from tests.platform.cases import REFUSALS, Refusal, deposit, opened, withdrawal
from tests.platform.conftest import OTHER_WRITER_TOKEN, READER_TOKEN


def post(client: httpx.Client, *events: dict[str, Any], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/events", json=list(events), headers=headers)


def stored_ids(gateway: Gateway) -> list[str]:
    return [e.metadata["source_ref"] for e in gateway.store.read_all()]


@pytest.mark.parametrize("case", REFUSALS, ids=[c.name for c in REFUSALS])
def test_an_event_that_cannot_follow_its_stream_is_a_422_with_the_reason(
    gateway: Gateway, client: httpx.Client, case: Refusal
) -> None:
    if case.history:
        assert post(client, *case.history).status_code == 201
    before = stored_ids(gateway)

    answer = post(client, case.event)

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert case.code in answer.json()["detail"]
    assert stored_ids(gateway) == before


def test_a_batch_opens_an_account_and_posts_to_it_in_order(
    gateway: Gateway, client: httpx.Client
) -> None:
    answer = post(client, opened(), deposit("P1"), withdrawal("W1", "25.00", overdrawn=True))

    assert answer.status_code == 201 and answer.json()["appended"] == 3
    assert [e.type for e in gateway.store.read_stream("account-000012345678")] == [
        "AccountOpened", "FundsDeposited", "FundsWithdrawn"]  # fmt: skip


def test_one_refused_event_refuses_its_whole_batch(gateway: Gateway, client: httpx.Client) -> None:
    answer = post(client, opened(), deposit("P1"), deposit("P2", currency="USD"))

    assert answer.status_code == 422
    assert "[2]" in answer.json()["detail"]
    assert gateway.store.read_all() == []


def test_a_known_id_with_another_payload_is_409_and_the_same_payload_a_duplicate(
    gateway: Gateway, client: httpx.Client
) -> None:
    post(client, opened(), deposit("P1"))

    same = post(client, deposit("P1"))
    other = post(client, deposit("P1", amount="99.00"))
    twice_in_one_batch = post(client, deposit("P2"), deposit("P2", amount="5.00", ce_id="pay-P2"))

    assert same.status_code == 200 and same.json()["duplicates"] == 1
    assert other.status_code == 409 and "pay-P1" in other.json()["detail"]
    assert twice_in_one_batch.status_code == 409
    assert len(gateway.store.read_all()) == 2


def test_a_token_writes_only_as_the_sources_configured_for_it(
    gateway: Gateway, client: httpx.Client
) -> None:
    post(client, opened())
    as_payments = deposit("P1")
    as_cards = deposit("P2", source="/platform/cards/visa")

    foreign = post(client, as_cards)
    reader = post(client, deposit("P3"), token=READER_TOKEN)
    cards_as_payments = post(client, deposit("P4"), token=OTHER_WRITER_TOKEN)
    cards_own = post(client, as_cards, token=OTHER_WRITER_TOKEN)
    own = post(client, as_payments)

    assert (foreign.status_code, reader.status_code, cards_as_payments.status_code) == (403,) * 3
    assert "/platform/cards/visa" in foreign.json()["detail"]
    assert (cards_own.status_code, own.status_code) == (201, 201)


def test_a_platform_events_traceparent_is_kept_and_the_feed_carries_it(
    gateway: Gateway, client: httpx.Client
) -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    traced = {**opened(), "traceparent": traceparent}
    malformed = {**deposit("P1"), "traceparent": "not-a-trace"}

    assert post(client, traced, malformed).status_code == 201

    kept = [e.metadata.get("traceparent") for e in gateway.store.read_all()]
    assert kept == [traceparent, None]  # a malformed one is ignored, not refused
    feed = client.get("/events", headers={"Authorization": f"Bearer {READER_TOKEN}"}).json()
    assert [e.get("traceparent") for e in feed] == [traceparent, None]
