"""The console in a real browser, as the integration team uses it at 2 a.m.

On SQLite and on PostgreSQL. A CBS postings file has come in: one posting GL refuses
(dead-lettered, holding back the next posting of its account), one record for an account CBS
has not opened yet (quarantined).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from tests.adapters.cbs.spec_files import (
    AccountLine,
    Posting,
    accounts_file,
    accounts_name,
    postings_file,
    postings_name,
)
from tests.browser.conftest import Screenshots
from tests.delivery.ledger import POSTING_TYPES
from tests.http_server import serve_in_thread
from tests.imports.conftest import cbs_sources
from tests.local_gl import LocalGl, local_gl
from tests.waiting import wait_for

TOKEN = "night-shift-token"
ACCOUNT, LATE_ACCOUNT = "100200300400", "100200300499"
REFUSED, HELD, LATE = "TXN0000000000001", "TXN0000000000002", "TXN0000000000003"
POSTINGS = postings_name("20240301")


@dataclass
class Bank:
    gateway: Gateway
    gl: LocalGl
    base_url: str

    def drop(self, source: str, name: str, data: bytes) -> None:
        batch = self.gateway.batch_sources[source]
        batch.config.landing.mkdir(parents=True, exist_ok=True)
        path = batch.config.landing / name
        path.write_bytes(data)
        result = self.gateway.imports.import_file(batch, path)
        assert result.record.status == "completed", result.record.reason

    def delivered(self, ref: str) -> bool:
        return ref in self.gl.posted_refs() and ref not in self.gl.refused_refs


@pytest.fixture
def bank(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Bank]:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", TOKEN)
    monkeypatch.setenv("GL_TOKEN", "gl-token")
    with local_gl() as gl:
        monkeypatch.setenv("GL_BASE_URL", gl.base_url)
        gateway = build(parse_config(config(tmp_path, database_url)))
        gl.refused_refs.add(REFUSED)
        with serve_in_thread(create_app(gateway)) as base_url:
            opened = Bank(gateway, gl, base_url)
            opened.drop(
                "cbs-accounts", accounts_name("20240229"), accounts_file([AccountLine(ACCOUNT)])
            )
            postings = [Posting(REFUSED, ACCOUNT, "DEP", Decimal("125.50")),
                        Posting(HELD, ACCOUNT, "DEP", Decimal("10.00")),
                        Posting(LATE, LATE_ACCOUNT, "DEP", Decimal("7.00"))]  # fmt: skip
            opened.drop("cbs-postings", POSTINGS, postings_file(postings))
            assert gateway.delivery is not None
            gateway.delivery.start()
            try:
                yield opened
            finally:
                gateway.delivery.stop()
        gateway.close()


def config(root: Path, database_url: str) -> dict[str, object]:
    retry = {"delays_seconds": [0.05], "stop_after_attempts": 2}
    return {
        "database": {"url": database_url},
        "sources": cbs_sources(root),
        "destinations": {"gl": {
            "adapter": "adapters.gl:LedgerDestination", "base_url_env": "GL_BASE_URL",
            "auth": {"scheme": "bearer", "token_env": "GL_TOKEN"}, "events": POSTING_TYPES,
            "idempotency_header": "X-Idempotency-Key", "timeout_seconds": 2.0, "retry": retry,
        }},
    }  # fmt: skip


def sign_in(page: Page, bank: Bank, shots: Screenshots, *, then: str = "/admin") -> None:
    page.goto(f"{bank.base_url}{then}")
    expect(page).to_have_url(re.compile(r"/admin/sign-in"))
    page.get_by_label("Your name").fill("Ana Night")
    page.get_by_label("Operator token").fill(TOKEN)
    shots.take(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .who")).to_contain_text("Ana Night")


def confirm(page: Page, shots: Screenshots, question: str) -> None:
    expect(page.locator("form.confirm")).to_contain_text(question)
    shots.take(page, "confirm")
    page.get_by_role("button", name="Confirm").click()


def test_a_dead_letter_found_by_its_txn_ref_is_redriven_and_delivered(
    page: Page, bank: Bank, screenshots: Screenshots
) -> None:
    sign_in(page, bank, screenshots, then="/admin/dead-letters")
    expect(page.locator(f"tr[data-key='{REFUSED}']")).to_be_visible(timeout=15_000)
    page.get_by_label("search dead letters").fill(REFUSED)
    page.get_by_role("button", name="Search").click()
    row = page.locator(f"tr[data-key='{REFUSED}']")
    expect(row).to_contain_text(f"{POSTINGS} record 2")  # the file and record it came from
    expect(row).to_contain_text("answered 400")
    expect(page.locator("tbody tr")).to_have_count(1)
    screenshots.take(page, "dead-letters")
    page.goto(f"{bank.base_url}/admin/destinations")
    expect(page.locator("main")).to_contain_text("account-100200300400")
    screenshots.take(page, "destinations")
    page.go_back()

    bank.gl.refused_refs.clear()  # GL fixed its reference data
    row.get_by_role("button", name="Redrive").click()
    confirm(page, screenshots, "Send dead letter")

    expect(page.locator(".notice")).to_contain_text("1 dead letter redriven")
    expect(page.locator("main")).to_contain_text("no dead letter", timeout=15_000)  # live
    screenshots.take(page, "redriven")
    # The page's "no dead letter" comes with the redrive; the posting held behind it is sent
    # after it, a moment later.
    wait_for(lambda: bank.delivered(REFUSED) and bank.delivered(HELD), 15, "both postings at GL")
    assert bank.gl.posted_refs().index(REFUSED) < len(bank.gl.posted_refs()) - 1
    page.goto(f"{bank.base_url}/admin/audit")
    entry = page.locator("tbody tr").first
    expect(entry).to_contain_text("Ana Night")
    expect(entry).to_contain_text("redrive")
    expect(entry).to_contain_text("done")
    expect(entry).to_contain_text("+05:30")  # the viewer's zone, with its offset
    screenshots.take(page, "audit")


def test_a_quarantined_record_is_replayed_once_its_account_exists(
    page: Page, bank: Bank, screenshots: Screenshots
) -> None:
    sign_in(page, bank, screenshots, then="/admin/imports")
    expect(page.locator("tr", has_text=POSTINGS)).to_contain_text("completed")
    screenshots.take(page, "imports")
    page.locator("tr", has_text=POSTINGS).get_by_role("link").first.click()
    record = page.locator("tr[data-record='4']")
    expect(record).to_contain_text(f"{LATE_ACCOUNT}")
    expect(record).to_contain_text("quarantined")
    screenshots.take(page, "import-rejects")

    bank.drop("cbs-accounts", accounts_name("20240301"), accounts_file([AccountLine(LATE_ACCOUNT)]))
    record.get_by_role("button", name="Replay").click()
    confirm(page, screenshots, "Run quarantined record")

    expect(page.locator(".notice")).to_contain_text("1 of 1 replayed")
    expect(page.locator("tr[data-record='4']")).to_contain_text("replayed")
    screenshots.take(page, "replayed")
    events = bank.gateway.store.read_stream(f"account-{LATE_ACCOUNT}")
    assert [e.type for e in events] == ["AccountOpened", "FundsDeposited"]


def test_a_commands_journey_from_the_file_record_to_each_gl_attempt(
    page: Page, bank: Bank, screenshots: Screenshots
) -> None:
    sign_in(page, bank, screenshots, then="/admin/journey")
    page.get_by_label("find a command").fill(f"{POSTINGS} record 2")
    page.get_by_role("button", name="Find").click()

    journey = page.locator("ol.journey")
    expect(journey).to_contain_text(f"file {POSTINGS} record 2 of cbs-postings")
    expect(journey).to_contain_text("DepositFunds")
    expect(journey).to_contain_text(REFUSED)
    expect(journey).to_contain_text("FundsDeposited")
    delivery = page.locator("section.delivery[data-destination='gl']")
    expect(delivery).to_contain_text("dead", timeout=15_000)
    expect(delivery.locator("tbody tr")).to_have_count(1)  # a 400 is final: one attempt
    expect(delivery).to_contain_text("400")
    screenshots.take(page, "journey")


def test_without_a_session_the_console_asks_to_sign_in(
    page: Page, bank: Bank, screenshots: Screenshots
) -> None:
    page.goto(f"{bank.base_url}/admin/dead-letters")

    expect(page).to_have_url(re.compile(r"/admin/sign-in\?next=/admin/dead-letters"))
    expect(page.locator("body")).not_to_contain_text(REFUSED)
    screenshots.take(page, "refused")
    answer = page.request.post(f"{bank.base_url}/admin/actions/redrive",
                               form={"value": "1", "confirmed": "yes"})  # fmt: skip
    assert answer.status == 401


def test_a_forged_form_post_without_the_csrf_token_is_refused(
    page: Page, bank: Bank, screenshots: Screenshots
) -> None:
    sign_in(page, bank, screenshots, then="/admin/dead-letters")
    expect(page.locator(f"tr[data-key='{REFUSED}']")).to_be_visible(timeout=15_000)
    letter = page.locator(f"tr[data-key='{REFUSED}'] td").first.inner_text()

    # A page's script builds the form an attacker would: the action, but no CSRF token.
    with page.expect_navigation() as forged:
        page.evaluate(
            """(id) => { const f = document.createElement("form"); f.method = "post";
            f.action = "/admin/actions/redrive";
            for (const [k, v] of [["value", id], ["confirmed", "yes"], ["back", "/admin"]]) {
              const i = document.createElement("input"); i.name = k; i.value = v; f.append(i); }
            document.body.append(f); f.submit(); }""",
            letter,
        )

    assert forged.value is not None and forged.value.status == 403
    expect(page.locator("body")).to_contain_text("CSRF")
    screenshots.take(page, "forged")
    dead = [d for d in bank.gateway.store.fetch("SELECT status FROM deliveries WHERE id = ?",
                                                (int(letter),))]  # fmt: skip
    assert dead == [("dead",)]
