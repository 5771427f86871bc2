"""A stream held back (GL answering 409 again and again) as operators see it over HTTP: the
`/sla` line counts it with its reason, the console's destinations page names it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway.api import create_app
from gateway.bootstrap import build
from tests.delivery.gl_stub import GlStub, Reply, serve_gl
from tests.delivery.ledger import append_deposits, gl_config
from tests.delivery.legacy_sim import TOKEN as GL_TOKEN
from tests.delivery.test_faults import statuses
from tests.http_server import serve_in_thread

OPERATOR = "operator-blocked-2026"
STUCK = "000000000001"


@pytest.fixture
def gl() -> Iterator[GlStub]:
    with serve_gl(GlStub()) as stub:
        yield stub


def test_an_account_held_back_by_409s_shows_blocked_in_sla_and_the_console(
    database_url: str, gl: GlStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", OPERATOR)
    monkeypatch.setenv("GL_BASE_URL", gl.url)
    monkeypatch.setenv("GL_TOKEN", GL_TOKEN)
    gl.answer = lambda p, k: Reply(409 if p["customer_account"] == STUCK else 201)
    retry = {"delays_seconds": [0.05], "stop_after_attempts": 50, "stop_after_retry_later": 4}
    gateway = build(gl_config(database_url, retry=retry))
    try:
        assert gateway.delivery is not None
        append_deposits(gateway.store, accounts=3, per_account=2)
        assert gateway.delivery.run_until(lambda: statuses(gateway.store).get("dead") == 1,
                                          timeout=20)  # fmt: skip
        headers = {"Authorization": f"Bearer {OPERATOR}"}
        with (
            serve_in_thread(create_app(gateway)) as base_url,
            httpx.Client(base_url=base_url, headers=headers, timeout=10) as client,
        ):
            sla = client.get("/sla")
            page = client.get("/admin/destinations", follow_redirects=False)
            anonymous = httpx.get(f"{base_url}/sla", timeout=10)
    finally:
        gateway.close()

    assert anonymous.status_code == 401
    assert sla.status_code == 200, sla.text
    (line,) = [line for line in sla.json() if line["name"] == "gl"]
    assert line["blocked"] == 1
    assert line["blocked_reason"].startswith(f"account-{STUCK}: dead letter (answered 409")
    assert page.status_code == 200, page.text
    assert f"account-{STUCK}" in page.text
    assert "none: every stream flows" not in page.text
