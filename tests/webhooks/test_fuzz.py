"""Fuzzing the webhook door and the feed from the OpenAPI schema: no answer is ever a 5xx.

Bounded (a few hundred requests); long polling and the SSE stream are left out, as they wait.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from schemathesis import Case
from schemathesis.openapi import from_dict

from gateway.api import create_app
from gateway.bootstrap import build
from gateway.config import parse_config
from tests.http_server import serve_in_thread
from tests.webhooks.conftest import API_KEY, CRM_PASSWORD, CRM_USER, sources

pytestmark = pytest.mark.fuzz
FUZZED = {"POST /webhooks/{source}", "GET /events", "GET /streams/{stream_id}"}
ODD_SOURCES = itertools.cycle([None, None, None, "signed", "dormant", "nobody"])
HEADERS = {
    "Authorization": "Basic " + base64.b64encode(f"{CRM_USER}:{CRM_PASSWORD}".encode()).decode(),
    "X-API-Key": API_KEY,
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TEST_SIGNED_SECRETS", "whsec_" + base64.b64encode(b"k" * 32).decode())
        env.setenv("TEST_API_KEY", API_KEY)
        env.setenv("CRM_WEBHOOK_USER", CRM_USER)
        env.setenv("CRM_WEBHOOK_PASSWORD", CRM_PASSWORD)
        folder: Path = tmp_path_factory.mktemp("fuzz")
        config = {"database": {"url": f"sqlite:///{folder}/gateway.db"}, "sources": sources()}
        config["sources"]["keyed"]["rate_limit"] = None  # type: ignore[index]
        gateway = build(parse_config(config))
    app = create_app(gateway)
    with serve_in_thread(app) as base_url:
        yield base_url, app.openapi()
    gateway.close()


def test_no_request_makes_the_gateway_answer_5xx(served: tuple[str, dict[str, Any]]) -> None:
    base_url, openapi = served
    operations = [result.ok() for result in from_dict(openapi).get_all_operations()]
    operations = [op for op in operations if op.label in FUZZED]
    assert len(operations) == len(FUZZED)

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, database=None, derandomize=True)
        def no_server_error(case: Case) -> None:
            if "source" in (case.path_parameters or {}):
                case.path_parameters = {"source": source_for(case)}
            response = case.call(base_url=base_url, headers=HEADERS, timeout=10)
            disabled = case.path_parameters == {"source": "dormant"}
            assert response.status_code < 500 or (disabled and response.status_code == 503), (
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
            )

        no_server_error()


def source_for(case: Case) -> str:
    """Mostly the source that reads this content type, so bodies reach the translators."""
    odd = next(ODD_SOURCES)
    if odd is not None:
        return odd
    return "crm" if case.media_type == "application/x-www-form-urlencoded" else "keyed"
