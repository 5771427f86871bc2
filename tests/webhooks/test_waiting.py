"""Callers wait for their result: long polling on `/commands/{id}` and the SSE feed."""

from __future__ import annotations

import threading
import time

import httpx
import orjson

from gateway.bootstrap import Gateway
from gateway.webhooks import command_id_for
from tests.webhooks.conftest import as_json, customer, signed_headers


def post_later(
    client: httpx.Client, msg_id: str, delay: float, customer_no: str
) -> threading.Thread:
    body = as_json(customer(customer_no))

    def post() -> None:
        time.sleep(delay)
        client.post("/webhooks/signed", content=body, headers=signed_headers(body, msg_id=msg_id))

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_a_long_poll_answers_as_soon_as_the_command_is_recorded(client: httpx.Client) -> None:
    command_id = command_id_for("signed", "late-1")
    poster = post_later(client, "late-1", 0.3, "00000001")

    started = time.monotonic()
    answer = client.get(f"/commands/{command_id}", params={"wait": 5}, timeout=10)
    waited = time.monotonic() - started
    poster.join()

    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"
    assert 0.2 < waited < 3


def test_a_long_poll_with_the_current_etag_ends_unchanged_when_time_is_up(
    client: httpx.Client,
) -> None:
    post_later(client, "m1", 0, "00000001").join()
    url = f"/commands/{command_id_for('signed', 'm1')}"
    tag = client.get(url).headers["etag"]

    started = time.monotonic()
    answer = client.get(url, params={"wait": 0.4}, headers={"if-none-match": tag})

    assert answer.status_code == 304
    assert time.monotonic() - started >= 0.4


def test_a_long_poll_for_an_unknown_command_ends_in_404(client: httpx.Client) -> None:
    answer = client.get("/commands/never", params={"wait": 0.2})

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_feed_streams_as_server_sent_events_from_a_position(
    gateway: Gateway, client: httpx.Client
) -> None:
    for n in (1, 2):
        post_later(client, f"m{n}", 0, f"0000000{n}").join()
    received: list[dict[str, object]] = []
    ids: list[str] = []

    with client.stream("GET", "/events/stream", params={"after": 1}, timeout=10) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        poster = post_later(client, "m3", 0.2, "00000003")
        for line in stream.iter_lines():
            if line.startswith("id: "):
                ids.append(line[4:])
            if line.startswith("data: "):
                received.append(orjson.loads(line[6:]))
            if len(received) == 2:
                break
    poster.join()

    assert ids == ["2", "3"]
    assert [e["subject"] for e in received] == ["customer-00000002", "customer-00000003"]


def test_the_stream_resumes_after_last_event_id(client: httpx.Client) -> None:
    for n in (1, 2):
        post_later(client, f"m{n}", 0, f"0000000{n}").join()

    with client.stream("GET", "/events/stream", headers={"last-event-id": "1"}) as stream:
        first_id = next(line for line in stream.iter_lines() if line.startswith("id: "))

    assert first_id == "id: 2"
