"""A gateway with every kind of door configured, served over real HTTP, for hostile callers.

Webhook sources (signed, keyed, keyed-xml, CRM), a batch source, an export and a destination; the
platform and operator tokens set, so nothing is let in for being local.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from tests.delivery.ledger import gl_config
from tests.exports.bank import stmt_config
from tests.http_server import serve_in_thread
from tests.imports.conftest import cbs_sources
from tests.webhooks.conftest import API_KEY, CRM_PASSWORD, CRM_USER, sources

PLATFORM_TOKEN, OPERATOR_TOKEN = "platform-hostile-1", "operator-hostile-1"
SIGNING_SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
PLATFORM = {"Authorization": f"Bearer {PLATFORM_TOKEN}"}


@dataclass
class Served:
    gateway: Gateway
    base_url: str
    openapi: dict[str, Any]
    root: Path


def hostile_config(database_url: str, root: Path) -> dict[str, Any]:
    destination = gl_config(database_url).destinations["gl"].model_dump(mode="json")
    export = stmt_config(root / "stmt").model_dump(mode="json")
    return {
        "database": {"url": database_url},
        "http": {"sse_idle_seconds": 0.5, "max_upload_bytes": 65536},
        "sources": {
            **sources(),
            "cbs-accounts": cbs_sources(root)["cbs-accounts"],
            "keyed-xml": {
                **sources()["keyed"],
                "content_types": ["xml"],
                "max_body_bytes": 65536,
                "rate_limit": None,
            },
        },
        "destinations": {"gl": destination},
        "exports": {"stmt": export},
    }


def serve_hostile(
    database_url: str, root: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    monkeypatch.setenv("GATEWAY_PLATFORM_TOKENS", PLATFORM_TOKEN)
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", OPERATOR_TOKEN)
    monkeypatch.setenv("TEST_SIGNED_SECRETS", SIGNING_SECRET)
    monkeypatch.setenv("TEST_API_KEY", API_KEY)
    monkeypatch.setenv("CRM_WEBHOOK_USER", CRM_USER)
    monkeypatch.setenv("CRM_WEBHOOK_PASSWORD", CRM_PASSWORD)
    gateway = build(parse_config(hostile_config(database_url, root)))
    app = create_app(gateway)
    try:
        with serve_in_thread(app) as base_url:
            yield Served(gateway, base_url, app.openapi(), root)
    finally:
        gateway.close()
