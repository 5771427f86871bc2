"""Strangers at the webhook door: they spend none of a source's rate limit, and no writes.

`keyed` takes 20 calls at once. A flood of unauthenticated calls must neither lock the real
legacy system out nor write to the database per call (only one note for operators).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from gateway.bootstrap import Gateway
from tests.webhooks.conftest import API_KEY, as_json, customer

JSON = {"content-type": "application/json"}


@contextmanager
def writes_counted(gateway: Gateway) -> Iterator[list[str]]:
    """Every statement that is not a read, as the database is sent it."""
    writes: list[str] = []

    def seen(*args: Any) -> None:
        statement = str(args[2]).lstrip().upper()
        if not statement.startswith(("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                     "RELEASE", "SET", "SHOW", "PRAGMA")):  # fmt: skip
            writes.append(statement[:80])

    event.listen(gateway.store.engine, "before_cursor_execute", seen)
    try:
        yield writes
    finally:
        event.remove(gateway.store.engine, "before_cursor_execute", seen)


def test_unauthenticated_calls_spend_none_of_the_sources_rate_limit(
    client: httpx.Client,
) -> None:
    for n in range(60):
        refused = client.post(
            "/webhooks/keyed", content=b"{}", headers={**JSON, "x-api-key": f"guess-{n}"}
        )
        assert refused.status_code == 401

    body = as_json(customer())
    headers = {**JSON, "x-api-key": API_KEY, "idempotency-key": "real-1"}
    real = client.post("/webhooks/keyed", content=body, headers=headers)

    assert real.status_code == 202, real.text


def test_a_flood_of_refused_calls_writes_one_note_not_one_row_each(
    gateway: Gateway, client: httpx.Client
) -> None:
    with writes_counted(gateway) as writes:
        for n in range(100):
            headers = {**JSON, "x-api-key": f"guess-{n}"}
            assert client.post("/webhooks/keyed", content=b"{}", headers=headers).status_code == 401
        for _ in range(50):
            assert client.post("/webhooks/keyed", content=b"x" * 70_000).status_code == 413

    # one note per kind of refusal (its upsert and update), not one per call
    assert len(writes) <= 6, writes
    line = gateway.source_status.read("keyed")
    assert line is not None and line.last_error is not None
    assert line.last_error.startswith("413")
