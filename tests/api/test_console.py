"""The console over real HTTP: sign-in with an operator token, its cookie, CSRF, the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.cli import app as cli
from gateway.config import parse_config
from tests.adapters.cbs.spec_files import AccountLine, Posting, postings_file, postings_name
from tests.http_server import serve_in_thread
from tests.imports.conftest import ACCOUNT, make_bank

TOKEN = "operator-console-2026"
HOSTILE = "<script>alert(1)</script>"


@dataclass
class Console:
    gateway: Gateway
    base_url: str
    database_url: str

    def client(self, **headers: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)


@pytest.fixture
def console(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Console]:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", TOKEN)
    config = {"database": {"url": database_url}, "http": {"trusted_proxies": ["127.0.0.1"]}}
    gateway = build(parse_config(config))
    with serve_in_thread(create_app(gateway)) as base_url:
        yield Console(gateway, base_url, database_url)
    gateway.close()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found[1]


def sign_in(client: httpx.Client, *, operator: str = "Ana", token: str = TOKEN) -> httpx.Response:
    page = client.get("/admin/sign-in")
    # Behind TLS the sign-in cookie is Secure, which httpx keeps from plain HTTP: sent by hand.
    client.cookies.set("gateway_console_signin", csrf_of(page.text))
    form = {"csrf": csrf_of(page.text), "operator": operator, "token": token,
            "zone": "Asia/Kolkata", "next": "/admin/jobs"}  # fmt: skip
    return client.post("/admin/sign-in", data=form)


def test_signing_in_with_an_operator_token_sets_a_strict_http_only_cookie(
    console: Console,
) -> None:
    with console.client() as client:
        answer = sign_in(client)
        page = client.get("/admin/jobs")

    assert answer.status_code == 303 and answer.headers["location"] == "/admin/jobs"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "gateway_console=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain HTTP here
    assert page.status_code == 200 and "Ana" in page.text and "Asia/Kolkata" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_behind_tls_the_cookie_is_secure(console: Console) -> None:
    with console.client(**{"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.1.1"}) as c:
        answer = sign_in(c)

    cookie = next(c for c in answer.headers.get_list("set-cookie") if "gateway_console=" in c)
    assert "Secure" in cookie


def test_a_wrong_token_signs_no_one_in(console: Console) -> None:
    with console.client() as client:
        answer = sign_in(client, token="guessed")
        page = client.get("/admin", follow_redirects=False)

    assert answer.status_code == 200 and "not an operator token" in answer.text
    assert "gateway_console=" not in answer.headers.get("set-cookie", "")
    assert page.status_code == 303 and page.headers["location"].startswith("/admin/sign-in")


def test_without_a_session_pages_send_to_sign_in_and_actions_are_refused(
    console: Console,
) -> None:
    with console.client() as client:
        page = client.get("/admin/dead-letters", follow_redirects=False)
        action = client.post("/admin/actions/redrive", data={"value": "1", "confirmed": "yes"})

    assert page.status_code == 303
    assert page.headers["location"] == "/admin/sign-in?next=/admin/dead-letters"
    assert action.status_code == 401


def test_a_form_post_without_the_csrf_token_is_refused_and_audited_nowhere(
    console: Console,
) -> None:
    with console.client() as client:
        sign_in(client)
        forged = client.post("/admin/actions/run-job",
                             data={"value": "export:stmt", "confirmed": "yes"})  # fmt: skip
        wrong = client.post("/admin/actions/run-job",
                            data={"value": "x", "confirmed": "yes", "csrf": "guess"})  # fmt: skip
        audit = client.get("/admin/audit")

    assert (forged.status_code, wrong.status_code) == (403, 403)
    assert "no action yet" in audit.text


def test_an_action_asks_first_then_runs_and_is_in_the_audit_log(
    console: Console, tmp_path: Path
) -> None:
    with console.client() as client:
        sign_in(client, operator=HOSTILE)
        csrf = csrf_of(client.get("/admin/jobs").text)
        form = {"csrf": csrf, "value": "no-such-job", "back": "/admin/jobs"}
        asked = client.post("/admin/actions/run-job", data=form)
        done = client.post("/admin/actions/run-job", data={**form, "confirmed": "yes"})
        shown = client.get(done.headers["location"])

    assert asked.status_code == 200 and "Run job no-such-job now" in asked.text
    assert done.status_code == 303 and "done=" in done.headers["location"]
    assert "failed" in shown.text and "no scheduled job" in shown.text
    assert HOSTILE not in shown.text and "&lt;script&gt;" in shown.text  # escaped
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {console.database_url}\n")
    listed = CliRunner().invoke(cli, ["audit", "list", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    [entry] = [line for line in listed.stdout.splitlines() if "run-job" in line]
    assert '"actor":"<script>alert(1)</script>"' in entry and '"outcome":"failed"' in entry


def test_an_operator_bearer_token_reads_console_pages_without_a_cookie(console: Console) -> None:
    with console.client(Authorization=f"Bearer {TOKEN}") as client:
        page = client.get("/admin/sources", follow_redirects=False)

    assert page.status_code == 200 and "Sources" in page.text


def test_a_journey_is_found_by_the_file_record_an_import_applied(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", TOKEN)
    bank = make_bank(tmp_path, database_url)
    try:
        bank.open_accounts(AccountLine(ACCOUNT))
        name = postings_name("20240301")
        posting = Posting("TXN0000000000042", ACCOUNT, "DEP", Decimal("12.00"))
        assert bank.deliver("cbs-postings", name, postings_file([posting])).record.status == (
            "completed"
        )
        with (
            serve_in_thread(create_app(bank.gateway)) as base_url,
            httpx.Client(base_url=base_url, timeout=10) as client,
        ):
            sign_in(client)
            found = client.get("/admin/journey", params={"q": f"{name} record 2"})
            missing = client.get("/admin/journey", params={"q": f"{name} record 9"})
    finally:
        bank.gateway.close()

    assert found.status_code == 200
    assert f"file {name} record 2 of cbs-postings" in found.text
    assert "TXN0000000000042" in found.text and "FundsDeposited v2" in found.text
    assert "No delivery" in found.text  # no destination is configured here
    assert "Legacy input" not in missing.text


def test_in_dev_mode_a_name_signs_in_on_this_machine(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_OPERATOR_TOKENS", raising=False)
    gateway = build(parse_config({"database": {"url": database_url}}))
    try:
        with (
            serve_in_thread(create_app(gateway)) as base_url,
            httpx.Client(base_url=base_url, timeout=10) as client,
        ):
            page = client.get("/admin/sign-in")
            answer = sign_in(client, token="")
            overview = client.get("/admin")
    finally:
        gateway.close()

    assert "dev mode" in page.text
    assert answer.status_code == 303 and overview.status_code == 200
    assert "dead letters" in overview.text
