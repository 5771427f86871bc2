"""The console's reconciliation page: the day's differences, each posting linked to its journey."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from gateway.bootstrap import build
from gateway.commands import CommandBus, Envelope
from gateway.domain.money import Money
from gateway.domain.postings import WithdrawFunds
from tests.delivery.ledger import deposit, open_account
from tests.http_server import app_client
from tests.reconciliation.bank import A, Ledger

TOKEN = "reconciliation-console-2026"


def withdraw(bus: CommandBus, account: str, ref: str, amount: str) -> None:
    command = WithdrawFunds(
        command_id=uuid.uuid5(uuid.NAMESPACE_URL, ref), account_no=account, posting_ref=ref,
        amount=Money.of(amount, "EUR"), value_date=date(2026, 11, 26), narrative="ATM",
    )  # fmt: skip
    bus.handle(Envelope(command, source="cbs", source_ref=f"CBS_POSTINGS_20261126_001.DAT:{ref}"))


@pytest.fixture
def console(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    monkeypatch.setenv("GATEWAY_OPERATOR_TOKENS", TOKEN)
    gateway = build(ledger.config)
    with app_client(gateway, token=TOKEN, timeout=10) as client:
        yield client
    gateway.close()


def test_each_difference_links_its_postings_to_their_journeys(
    ledger: Ledger, console: httpx.Client
) -> None:
    bus = CommandBus(ledger.store)
    open_account(bus, A)  # AccountOpened is not a posting: GL never hears of it
    deposit(bus, A, "A-001", "1250.00")
    withdraw(bus, A, "A-002", "300.00")
    ledger.posted = 2
    ledger.deliver()
    ledger.balances_file([p for p in ledger.gl_log() if p.ref != "A-002"])
    assert ledger.reconcile().status == "differs"

    page = console.get("/admin/reconciliation")

    assert page.status_code == 200
    row = re.search(rf'<tr data-account="{A}" data-class="sent_not_counted">.*?</tr>', page.text,
                    re.S)  # fmt: skip
    assert row is not None, page.text
    link = re.search(r'href="(/admin/journey\?command=[^"]+)">A-002<', row.group(0))
    assert link is not None, row.group(0)
    journey = console.get(link.group(1).replace("&amp;", "&"))
    assert journey.status_code == 200
    assert "CBS_POSTINGS_20261126_001.DAT:A-002" in journey.text  # the legacy input
    assert 'data-destination="gl"' in journey.text  # and its delivery to GL
    other_day = console.get("/admin/reconciliation", params={"day": "2026-11-27"})
    assert "no reconciliation of gl for 2026-11-27" in other_day.text
