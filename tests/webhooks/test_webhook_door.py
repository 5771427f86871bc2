"""`POST /webhooks/{source}` over real HTTP: who may call, what they may send, what they hear."""

from __future__ import annotations

import time
from typing import NoReturn

import httpx
import pytest

from gateway.bootstrap import Gateway
from gateway.errors import StoreError
from tests.webhooks.conftest import (
    API_KEY,
    OLD_SECRET,
    as_json,
    customer,
    signed_headers,
    stored_counts,
)


def test_a_signed_webhook_is_accepted_with_202_and_the_command_record(
    gateway: Gateway, client: httpx.Client
) -> None:
    body = as_json(customer())

    answer = client.post(
        "/webhooks/signed", content=body, headers=signed_headers(body, msg_id="m1")
    )

    assert answer.status_code == 202
    record = answer.json()
    assert answer.headers["location"] == f"/commands/{record['command_id']}"
    assert record["status"] == "accepted"
    assert record["source"] == "signed"
    assert record["source_ref"] == "m1"
    status = client.get(answer.headers["location"]).json()
    assert [e["type"] for e in status["events"]] == ["bank.CustomerRegistered.v1"]
    assert stored_counts(gateway) == (1, 1)


def test_a_message_signed_with_a_retiring_secret_is_still_accepted(client: httpx.Client) -> None:
    body = as_json(customer())
    headers = signed_headers(body, msg_id="m1", secret=OLD_SECRET)
    headers["webhook-signature"] = "v1,bm90LXRoaXMtb25l " + headers["webhook-signature"]

    assert client.post("/webhooks/signed", content=body, headers=headers).status_code == 202


def test_a_signature_older_than_the_tolerance_is_refused_and_nothing_is_stored(
    gateway: Gateway, client: httpx.Client
) -> None:
    body = as_json(customer())
    headers = signed_headers(body, msg_id="m1", at=time.time() - 301)

    answer = client.post("/webhooks/signed", content=body, headers=headers)

    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert "tolerance" in answer.json()["detail"]
    assert stored_counts(gateway) == (0, 0)


def test_a_signed_message_replayed_with_a_changed_body_is_refused(
    gateway: Gateway, client: httpx.Client
) -> None:
    body = as_json(customer())
    headers = signed_headers(body, msg_id="m1")
    tampered = as_json(customer(name="Mallory"))

    answer = client.post("/webhooks/signed", content=tampered, headers=headers)

    assert answer.status_code == 401
    assert answer.json()["status"] == 401
    assert stored_counts(gateway) == (0, 0)


def test_a_missing_or_wrong_api_key_is_401(client: httpx.Client) -> None:
    body = as_json(customer())
    plain = {"content-type": "application/json", "idempotency-key": "k1"}

    missing = client.post("/webhooks/keyed", content=body, headers=plain)
    wrong = client.post("/webhooks/keyed", content=body, headers={**plain, "x-api-key": "nope"})
    right = client.post("/webhooks/keyed", content=body, headers={**plain, "x-api-key": API_KEY})

    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 202)


def test_a_body_over_the_limit_is_413_whether_announced_or_streamed(
    gateway: Gateway, client: httpx.Client
) -> None:
    body = as_json(customer(name="x" * 3000))
    headers = signed_headers(body, msg_id="big")

    announced = client.post("/webhooks/signed", content=body, headers=headers)
    streamed = client.post(
        "/webhooks/signed", content=iter([body[:1000], body[1000:]]), headers=headers
    )

    assert announced.status_code == 413
    assert streamed.status_code == 413
    assert announced.headers["content-type"] == "application/problem+json"
    assert stored_counts(gateway) == (0, 0)


def test_a_content_type_the_source_does_not_take_is_415(client: httpx.Client) -> None:
    body = b"customer_no=00012345"
    headers = signed_headers(body, msg_id="m1")
    headers["content-type"] = "application/x-www-form-urlencoded"

    assert client.post("/webhooks/signed", content=body, headers=headers).status_code == 415


def test_an_unknown_source_is_404_and_a_disabled_one_503(client: httpx.Client) -> None:
    unknown = client.post("/webhooks/nobody", json={})
    dormant = client.post("/webhooks/dormant", json={})

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert dormant.status_code == 503
    assert "TEST_NEVER_SET" in dormant.json()["detail"]


def test_invalid_fields_are_422_naming_each_one(gateway: Gateway, client: httpx.Client) -> None:
    body = as_json(customer(country="Britain", name=""))

    answer = client.post(
        "/webhooks/signed", content=body, headers=signed_headers(body, msg_id="m1")
    )

    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"country", "name"}
    assert stored_counts(gateway) == (0, 0)


def test_a_rate_limited_source_answers_429_with_retry_after(client: httpx.Client) -> None:
    headers = {"content-type": "application/json", "x-api-key": API_KEY}
    answers = [
        client.post(
            "/webhooks/keyed", content=b"{}", headers={**headers, "idempotency-key": f"k{n}"}
        )
        for n in range(21)
    ]

    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert all(a.status_code != 429 for a in answers[:-1])


def test_a_domain_rejection_is_422_with_its_code_and_the_command_location(
    client: httpx.Client,
) -> None:
    first = as_json(customer())
    other = as_json(customer(name="Someone Else"))
    client.post("/webhooks/signed", content=first, headers=signed_headers(first, msg_id="m1"))

    answer = client.post(
        "/webhooks/signed", content=other, headers=signed_headers(other, msg_id="m2")
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "customer_already_registered"
    assert client.get(answer.headers["location"]).json()["status"] == "rejected"


def test_a_store_that_fails_mid_commit_is_503_with_retry_after_as_elsewhere_in_the_api(
    gateway: Gateway, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(envelopes: object) -> NoReturn:
        raise StoreError("database unavailable")

    monkeypatch.setattr(gateway.webhooks.committer, "commit", unavailable)
    body = as_json(customer())

    answer = client.post(
        "/webhooks/signed", content=body, headers=signed_headers(body, msg_id="m-down")
    )

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "database unavailable"


def test_other_methods_and_deeper_paths_are_routed_as_before(client: httpx.Client) -> None:
    assert client.get("/webhooks/signed").status_code == 405
    assert client.post("/webhooks/signed/extra", content=b"{}").status_code == 404
