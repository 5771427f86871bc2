"""The bank's story for delivery tests: accounts with postings, and a GL destination to feed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

from gateway.commands import CommandBus, Envelope
from gateway.config import GatewayConfig, parse_config
from gateway.delivery.build import build_delivery
from gateway.delivery.engine import DeliveryEngine
from gateway.domain.account_lifecycle import OpenAccount
from gateway.domain.money import Money
from gateway.domain.postings import DepositFunds
from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore
from tests.delivery.legacy_sim import TOKEN

POSTING_TYPES = ["FundsDeposited", "FundsWithdrawn", "FeeCharged", "InterestCredited",
                 "PostingReversed"]  # fmt: skip


def gl_config(database_url: str, **overrides: Any) -> GatewayConfig:
    retry = {"delays_seconds": [0.05, 0.1, 0.2], "stop_after_attempts": 50}
    destination: dict[str, Any] = {
        "adapter": "adapters.gl:LedgerDestination", "base_url_env": "GL_BASE_URL",
        "auth": {"scheme": "bearer", "token_env": "GL_TOKEN"}, "events": POSTING_TYPES,
        "idempotency_header": "X-Idempotency-Key", "timeout_seconds": 1.0, "max_in_flight": 32,
        "retry": retry, "lease_seconds": 5, "sla": {"deadline_seconds": 300},
        "breaker": {"window": 20, "min_calls": 20, "failure_ratio": 0.95, "open_seconds": 0.5},
    }  # fmt: skip
    destination.update(overrides)
    return parse_config({"database": {"url": database_url}, "destinations": {"gl": destination}})


def gl_engine(
    store: SqlEventStore, config: GatewayConfig, base_url: str, **kw: Any
) -> DeliveryEngine:
    environ = {"GL_BASE_URL": base_url, "GL_TOKEN": TOKEN}
    return build_delivery(config, store, environ=environ, **kw)


def account_no(n: int) -> str:
    return f"{n:012d}"


def deposit_events(accounts: int, per_account: int) -> Iterator[StreamAppend]:
    """Postings interleaved across accounts, as a day's file would have them."""
    for round_no in range(per_account):
        for n in range(accounts):
            ref = f"TX{n:05d}-{round_no:05d}"
            data = {"account_no": account_no(n), "posting_ref": ref,
                    "amount": {"amount": f"{round_no + 1}.00", "currency": "EUR"},
                    "value_date": "2026-11-26", "narrative": "SALARY"}  # fmt: skip
            yield StreamAppend(
                f"account-{account_no(n)}", round_no, [NewEvent("FundsDeposited", data, 2)]
            )


def append_deposits(store: SqlEventStore, *, accounts: int, per_account: int) -> None:
    appends = list(deposit_events(accounts, per_account))
    for start in range(0, len(appends), 2000):
        with store.transaction() as tx:
            tx.append(appends[start : start + 2000])


def deposit(bus: CommandBus, account: str, ref: str, amount: str = "10.00") -> None:
    command = DepositFunds(
        command_id=uuid.uuid5(uuid.NAMESPACE_URL, ref), account_no=account, posting_ref=ref,
        amount=Money.of(amount, "EUR"), value_date=date(2026, 11, 26), narrative="SALARY",
    )  # fmt: skip
    bus.handle(Envelope(command, source="test", source_ref=ref))


def open_account(bus: CommandBus, account: str) -> None:
    command = OpenAccount(
        command_id=uuid.uuid5(uuid.NAMESPACE_URL, f"open/{account}"), account_no=account,
        customer_no="10000001", product="CURRENT", currency="EUR",
        opened_on=date(2026, 11, 1), branch="0042",
    )  # fmt: skip
    bus.handle(Envelope(command, source="test"))


def count_open(store: SqlEventStore) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'dead')"
            ).scalar_one()
        )


def all_delivered(store: SqlEventStore, expected: int) -> bool:
    with store.engine.connect() as conn:
        done = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'"
        ).scalar_one()
    return int(done) >= expected
