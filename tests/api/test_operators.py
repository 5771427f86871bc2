"""Operator endpoints: a bearer token once tokens are set, otherwise callers on this host only."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import httpx
import pytest
from starlette.requests import Request

from gateway.api import create_app
from gateway.api.operators import require_operator
from gateway.api.problems import ProblemError
from gateway.bootstrap import Gateway
from gateway.config import parse_config
from tests.http_server import serve_in_thread


@pytest.fixture
def served(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", "old-token, new-token")
    with serve_in_thread(create_app(gateway)) as base_url:
        yield base_url


def test_with_tokens_set_every_operator_call_needs_one_of_them(served: str) -> None:
    def jobs(token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(f"{served}/jobs", headers=headers)

    missing, wrong, old, new = jobs(None), jobs("guess"), jobs("old-token"), jobs("new-token")
    redrive = httpx.post(f"{served}/dlq/redrive", json={"ids": [1]})

    assert missing.status_code == wrong.status_code == redrive.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.headers["content-type"] == "application/problem+json"
    assert (old.status_code, new.status_code) == (200, 200)
    for path in ("/admin", "/sources", "/imports", "/dlq", "/sla", "/exports", "/deliveries"):
        assert httpx.get(f"{served}{path}").status_code == 401, path
    assert httpx.get(f"{served}/healthz").status_code == 200  # not an operator endpoint
    assert httpx.get(f"{served}/events").status_code == 200


def call_from(host: str) -> None:
    app = SimpleNamespace(state=SimpleNamespace(gateway=SimpleNamespace(config=parse_config({}))))
    scope = {"type": "http", "client": (host, 50000), "app": app, "headers": []}
    require_operator(Request(scope), None)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "127.0.0.53"])
def test_without_tokens_callers_on_this_host_are_let_in(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_OPERATOR_TOKENS", raising=False)
    call_from(host)


@pytest.mark.parametrize("host", ["10.1.2.3", "2001:db8::1", "testclient", ""])
def test_without_tokens_other_hosts_are_refused_naming_the_variable(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_OPERATOR_TOKENS", raising=False)
    with pytest.raises(ProblemError) as refused:
        call_from(host)
    assert refused.value.status == 403
    assert "GATEWAY_OPERATOR_TOKENS" in refused.value.detail
