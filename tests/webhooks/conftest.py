"""A gateway with three webhook sources, served over real HTTP on a loopback port.

`signed` posts with Standard Webhooks signatures; `keyed` with an API key; `crm` is CRM.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from gateway.webhooks.signatures import decode_secret, sign
from tests.http_server import serve_in_thread

OLD_SECRET = "whsec_" + base64.b64encode(b"old-secret-old-secret-old-secret").decode()
NEW_SECRET = "whsec_" + base64.b64encode(b"new-secret-new-secret-new-secret").decode()
API_KEY = "k-3f9a1c"
CRM_USER, CRM_PASSWORD = "crm-prod", "s3cret"
ADAPTER = "tests.webhooks.customers_json:CustomerJsonWebhooks"


def sources() -> dict[str, Any]:
    return {
        "signed": {
            "kind": "webhook",
            "adapter": ADAPTER,
            "auth": {
                "scheme": "standard_webhooks",
                "secret_envs": ["TEST_SIGNED_SECRETS"],
                "tolerance_seconds": 300,
            },
            "content_types": ["json", "xml"],
            "max_body_bytes": 2048,
        },
        "keyed": {
            "kind": "webhook",
            "adapter": ADAPTER,
            "auth": {"scheme": "api_key", "header": "X-API-Key", "key_env": "TEST_API_KEY"},
            "content_types": ["json"],
            "rate_limit": {"per_second": 0.01, "burst": 20},
        },
        "crm": {
            "kind": "webhook",
            "adapter": "adapters.crm.inbound:CrmWebhooks",
            "encoding": "windows-1252",
            "auth": {
                "scheme": "basic",
                "user_env": "CRM_WEBHOOK_USER",
                "password_env": "CRM_WEBHOOK_PASSWORD",
            },
            "content_types": ["form"],
            "max_body_bytes": 4096,
        },
        "dormant": {
            "kind": "webhook",
            "adapter": ADAPTER,
            "auth": {"scheme": "api_key", "key_env": "TEST_NEVER_SET"},
        },
    }


@pytest.fixture
def gateway(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    monkeypatch.setenv("TEST_SIGNED_SECRETS", f"{OLD_SECRET} {NEW_SECRET}")
    monkeypatch.setenv("TEST_API_KEY", API_KEY)
    monkeypatch.setenv("CRM_WEBHOOK_USER", CRM_USER)
    monkeypatch.setenv("CRM_WEBHOOK_PASSWORD", CRM_PASSWORD)
    monkeypatch.delenv("TEST_NEVER_SET", raising=False)
    gateway = build(parse_config({"database": {"url": database_url}, "sources": sources()}))
    yield gateway
    gateway.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(gateway)) as base_url, httpx.Client(base_url=base_url) as c:
        yield c


def signed_headers(
    body: bytes, *, msg_id: str, secret: str = NEW_SECRET, at: float | None = None
) -> dict[str, str]:
    timestamp = int(time.time() if at is None else at)
    signature = sign(decode_secret(secret), msg_id=msg_id, timestamp=timestamp, body=body)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def customer(customer_no: str = "00012345", **fields: str) -> dict[str, str]:
    return {
        "customer_no": customer_no,
        "name": "Ada Lovelace",
        "line1": "1 High Street",
        "city": "London",
        "postcode": "N1 9GU",
        "country": "GB",
        **fields,
    }


def as_json(fields: dict[str, str]) -> bytes:
    return orjson.dumps(fields)


def stored_counts(gateway: Gateway) -> tuple[int, int]:
    """(commands, events) in the store."""
    with gateway.store.engine.connect() as conn:
        commands = conn.exec_driver_sql("SELECT COUNT(*) FROM commands").scalar_one()
    return int(commands), gateway.store.head_position()
