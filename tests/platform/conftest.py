"""A gateway of each backend whose platform writer `payments` may write as `/platform/payments`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from tests.http_server import app_client

WRITER_TOKEN = "payments-secret"
READER_TOKEN = "reader-secret"
OTHER_WRITER_TOKEN = "cards-secret"
BATCH = "application/cloudevents-batch+json"


def platform_config(database_url: str, **sections: Any) -> dict[str, Any]:
    writers = {
        "payments": {"tokens_env": "TEST_PAYMENTS_TOKENS", "sources": ["/platform/payments"]},
        "cards": {"tokens_env": "TEST_CARDS_TOKENS", "sources": ["/platform/cards/*"]},
    }
    return {"database": {"url": database_url},
            "platform_events": {"tokens_env": "TEST_PLATFORM_TOKENS", "writers": writers},
            **sections}  # fmt: skip


@pytest.fixture
def gateway(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("TEST_PLATFORM_TOKENS", READER_TOKEN)
    monkeypatch.setenv("TEST_PAYMENTS_TOKENS", f"old, {WRITER_TOKEN}")
    monkeypatch.setenv("TEST_CARDS_TOKENS", OTHER_WRITER_TOKEN)
    gateway = build(parse_config(platform_config(database_url)))
    yield gateway
    gateway.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with app_client(gateway, token=WRITER_TOKEN, headers={"Content-Type": BATCH}) as c:
        yield c
