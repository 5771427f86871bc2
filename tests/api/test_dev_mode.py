"""Dev mode (no operator tokens): callers on this host only, and only as the gateway's own site.

Loopback-only listening, forwarding headers from trusted proxies only, the gateway's own Host,
no cross-site Origin, and no state change a web form could send.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from gateway.api import create_app
from gateway.api.serving import check_listen_address, server_config
from gateway.bootstrap import Gateway, build
from gateway.cli.main import app as cli
from gateway.config import parse_config
from gateway.errors import ConfigError
from tests.http_server import serve_in_thread

FORGED_ACCOUNTS = b"ACCOUNT;NAME\n000012345678;Mallory\n"


@pytest.fixture
def no_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATEWAY_OPERATOR_TOKENS", raising=False)
    monkeypatch.delenv("GATEWAY_PLATFORM_TOKENS", raising=False)


def serve(database_url: str, **http: Any) -> Iterator[str]:
    batch = {"kind": "batch", "adapter": "adapters.cbs:accounts_adapter",
             "landing": f"{database_url.rsplit('/', 1)[0].removeprefix('sqlite:///')}/landing",
             "pattern": "*.csv", "completeness": "done_file"}  # fmt: skip
    config = {"database": {"url": database_url}, "http": http, "sources": {"accounts": batch}}
    gateway = build(parse_config(config))
    try:
        with serve_in_thread(create_app(gateway)) as base_url:
            yield base_url
    finally:
        gateway.close()


@pytest.fixture
def served(tmp_path: Any, no_tokens: None) -> Iterator[str]:
    yield from serve(f"sqlite:///{tmp_path}/gateway.db")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "localhost"])
def test_without_tokens_the_gateway_may_listen_on_a_loopback_address(
    host: str, no_tokens: None
) -> None:
    check_listen_address(parse_config({}), host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "gateway.bank.internal", ""])
def test_without_tokens_the_gateway_refuses_to_listen_on_any_other_address(
    host: str, no_tokens: None
) -> None:
    with pytest.raises(ConfigError, match="GATEWAY_OPERATOR_TOKENS") as refused:
        check_listen_address(parse_config({}), host)
    assert "loopback" in str(refused.value)


def test_with_operator_tokens_the_gateway_may_listen_anywhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", "t-1")
    check_listen_address(parse_config({}), "0.0.0.0")


def test_gateway_run_on_all_interfaces_without_tokens_stops_with_a_clear_message(
    tmp_path: Any, no_tokens: None
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: 'sqlite:///{tmp_path}/gateway.db'}}\n")

    result = CliRunner().invoke(cli, ["run", "--config", str(config), "--host", "0.0.0.0"])

    assert result.exit_code == 1
    assert "GATEWAY_OPERATOR_TOKENS" in result.output
    assert not (tmp_path / "gateway.db").exists()  # refused before anything was opened


def test_callers_on_this_host_read_and_act_without_a_token(served: str) -> None:
    assert httpx.get(f"{served}/events").status_code == 200
    assert httpx.get(f"{served}/jobs").status_code == 200
    assert httpx.post(f"{served}/dlq/redrive", json={"ids": []}).status_code == 200


@pytest.mark.parametrize(
    "forwarding",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"Forwarded": "for=203.0.113.9"},
        {"X-Real-IP": "203.0.113.9"},
        {"X-Forwarded-For": "127.0.0.1"},
    ],
)
def test_a_call_through_an_untrusted_proxy_is_not_local(
    served: str, forwarding: dict[str, str]
) -> None:
    answer = httpx.get(f"{served}/jobs", headers=forwarding)

    assert answer.status_code == 403
    assert "GATEWAY_OPERATOR_TOKENS" in answer.json()["detail"]


def test_a_trusted_proxy_names_the_client_and_only_a_local_one_gets_in(
    tmp_path: Any, no_tokens: None
) -> None:
    for base_url in serve(f"sqlite:///{tmp_path}/gateway.db", trusted_proxies=["127.0.0.0/8"]):
        remote = httpx.get(f"{base_url}/jobs", headers={"X-Forwarded-For": "203.0.113.9"})
        local = httpx.get(f"{base_url}/jobs", headers={"X-Forwarded-For": "127.0.0.1"})

        assert remote.status_code == 403
        assert local.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "10.1.2.3", "", "[::2]"])
def test_a_host_other_than_the_gateways_own_is_refused(served: str, host: str) -> None:
    for path in ("/events", "/jobs", "/healthz"):
        answer = httpx.get(f"{served}{path}", headers={"Host": host})
        assert answer.status_code == 400, (path, host)
        assert "http.allowed_hosts" in answer.json()["detail"]


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "127.0.0.1:80", "[::1]:8080"])
def test_localhost_and_loopback_hosts_are_the_gateways_own(served: str, host: str) -> None:
    assert httpx.get(f"{served}/events", headers={"Host": host}).status_code == 200


def test_an_allowed_host_is_the_gateways_own_too(tmp_path: Any, no_tokens: None) -> None:
    db = f"sqlite:///{tmp_path}/gateway.db"
    for base_url in serve(db, allowed_hosts=["gateway.dev.internal", "*.bank.test"]):
        for host in ("gateway.dev.internal", "gw.bank.test:8080"):
            assert httpx.get(f"{base_url}/events", headers={"Host": host}).status_code == 200
        assert (
            httpx.get(f"{base_url}/events", headers={"Host": "bank.test.evil"}).status_code == 400
        )


def test_with_tokens_and_allowed_hosts_another_host_is_refused(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", "t-1")
    token = {"Authorization": "Bearer t-1"}
    for base_url in serve(f"sqlite:///{tmp_path}/gateway.db", allowed_hosts=["gw.bank"]):
        assert httpx.get(f"{base_url}/events", headers={**token, "Host": "gw.bank"}).is_success
        assert httpx.get(f"{base_url}/events", headers={**token, "Host": "x.bank"}).is_client_error


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://127.0.0.1:1", "http://localhost", "x"]
)
def test_a_state_change_from_another_origin_is_refused(served: str, origin: str) -> None:
    answer = httpx.post(f"{served}/dlq/redrive", json={"ids": []}, headers={"Origin": origin})

    assert answer.status_code == 403
    assert "Origin" in answer.json()["detail"]


def test_a_state_change_from_the_gateways_own_origin_is_let_in(served: str) -> None:
    own = served.replace("http://", "")
    answer = httpx.post(
        f"{served}/dlq/redrive", json={"ids": []}, headers={"Origin": f"http://{own}"}
    )
    fetched = httpx.post(
        f"{served}/dlq/redrive", json={"ids": []}, headers={"Sec-Fetch-Site": "cross-site"}
    )

    assert answer.status_code == 200
    assert fetched.status_code == 403


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])  # fmt: skip
def test_a_state_change_a_web_form_could_send_is_refused(
    served: str, content_type: str | None, tmp_path: Any
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    forged = httpx.post(f"{served}/imports/accounts", params={"name": "CBS_ACCOUNTS_1.csv"},
                        content=FORGED_ACCOUNTS, headers=headers)  # fmt: skip
    job = httpx.post(f"{served}/jobs/anything/run", headers=headers)
    rerun = httpx.post(f"{served}/exports/stmt/2026-01-05/rerun", headers=headers)

    assert (forged.status_code, job.status_code, rerun.status_code) == (403, 403, 403)
    assert "JSON body" in forged.json()["detail"]
    assert not (tmp_path / "landing").exists() or list((tmp_path / "landing").iterdir()) == []


def test_a_state_change_with_a_json_body_or_a_file_upload_is_let_through(served: str) -> None:
    job = httpx.post(f"{served}/jobs/anything/run", json={})
    upload = httpx.post(f"{served}/imports/accounts", params={"name": "CBS_ACCOUNTS_1.csv"},
                        content=FORGED_ACCOUNTS,
                        headers={"Content-Type": "application/octet-stream"})  # fmt: skip

    assert job.status_code == 404  # past the guard: no such job
    assert upload.status_code in (200, 202)


def test_gateway_run_reads_forwarding_headers_itself_and_caps_concurrency(gateway: Gateway) -> None:
    config = parse_config({"http": {"limit_concurrency": 321}})

    served = server_config(create_app(gateway), config=config, host="127.0.0.1", port=8080)

    assert served.proxy_headers is False  # uvicorn would trust 127.0.0.1's X-Forwarded-For
    assert served.limit_concurrency == 321
