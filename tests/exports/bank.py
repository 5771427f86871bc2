"""The bank's story for export tests: accounts, money movements at given times, the STMT job.

One clock drives the store (each event's recorded time) and the export job (its 'now').
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from adapters.stmt import StatementFile
from gateway.commands import CommandBus, Envelope
from gateway.domain.account_lifecycle import OpenAccount
from gateway.domain.messages import Command
from gateway.domain.money import Money
from gateway.domain.postings import (
    ChargeFee,
    CreditInterest,
    DepositFunds,
    PostingCommand,
    ReversePosting,
    WithdrawFunds,
)
from gateway.exports.engine import ExportJob
from gateway.exports.port import ExportFormat
from gateway.exports.settings import ExportConfig
from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore, open_store

MOVEMENTS = ["FundsDeposited", "FundsWithdrawn", "FeeCharged", "InterestCredited",
             "PostingReversed"]  # fmt: skip
POSTINGS: dict[str, type[PostingCommand]] = {
    "DEP": DepositFunds, "WDL": WithdrawFunds, "FEE": ChargeFee, "INT": CreditInterest,
}  # fmt: skip


class Clock:
    def __init__(self, at: str = "2026-03-04T08:00:00Z") -> None:
        self.now = datetime.fromisoformat(at)

    def __call__(self) -> datetime:
        return self.now

    def set(self, at: str) -> None:
        self.now = datetime.fromisoformat(at).astimezone(UTC)


def stmt_config(folder: Path, **overrides: Any) -> ExportConfig:
    settings: dict[str, Any] = {
        "adapter": "adapters.stmt:StatementFile", "events": MOVEMENTS,
        "business_day": {"ends_at": "22:00", "timezone": "Europe/London"},
        "folder": str(folder), "file_name": "STMT_{day:%Y%m%d}.TXT",
        "marker_name": "STMT_{day:%Y%m%d}.OK", "schedule": {"cron": "5 22 * * *"},
        "sla": {"due_by": "22:30"},
    }  # fmt: skip
    settings.update(overrides)
    return ExportConfig.model_validate(settings)


@dataclass
class Bank:
    store: SqlEventStore
    bus: CommandBus
    clock: Clock
    folder: Path

    def stmt(self, *, fmt: ExportFormat | None = None, **overrides: Any) -> ExportJob:
        config = stmt_config(self.folder, **overrides)
        return ExportJob("stmt", config, fmt or StatementFile(), self.store, clock=self.clock)

    def open(self, account_no: str, currency: str = "EUR") -> None:
        self.handle(
            OpenAccount(
                command_id=uuid.uuid5(uuid.NAMESPACE_URL, f"open/{account_no}"),
                account_no=account_no,
                customer_no="10000001",
                product="CURRENT",
                currency=currency,
                opened_on=date(2026, 1, 5),
                branch="0042",
            )
        )

    def post(
        self, code: str, account_no: str, ref: str, amount: str, *, value: str, narrative: str,
        at: str, currency: str = "EUR",
    ) -> None:  # fmt: skip
        self.clock.set(at)
        self.handle(
            POSTINGS[code](
                command_id=uuid.uuid5(uuid.NAMESPACE_URL, ref),
                account_no=account_no,
                posting_ref=ref,
                amount=Money.of(amount, currency),
                value_date=date.fromisoformat(value),
                narrative=narrative,
            )
        )

    def reverse(
        self, account_no: str, ref: str, reverses: str, *, value: str, narrative: str, at: str
    ) -> None:
        self.clock.set(at)
        self.handle(
            ReversePosting(
                command_id=uuid.uuid5(uuid.NAMESPACE_URL, ref),
                account_no=account_no,
                posting_ref=ref,
                reverses_ref=reverses,
                value_date=date.fromisoformat(value),
                narrative=narrative,
            )
        )

    def undated_deposit(self, account_no: str, ref: str, amount: str, *, at: str) -> None:
        """A movement without a value date (not a CBS posting): it belongs to when it happened."""
        self.clock.set(at)
        money = {"amount": amount, "currency": "EUR"}
        data = {"account_no": account_no, "posting_ref": ref, "amount": money, "narrative": "CASH"}
        stream = f"account-{account_no}"
        version = self.store.stream_versions([stream]).get(stream, 0)
        self.store.append(stream, version, [NewEvent("FundsDeposited", data, 2)])

    def handle(self, command: Command) -> None:
        record = self.bus.handle(Envelope(command, source="test"))
        assert record.status == "accepted", record.reason


def open_bank(database_url: str, folder: Path) -> Bank:
    clock = Clock()
    store = open_store(database_url, clock=clock)
    return Bank(store, CommandBus(store), clock, folder)


def append_deposits(store: SqlEventStore, *, value_date: date, count: int, accounts: int) -> None:
    """`count` deposits of one value date spread over `accounts` accounts, in batches."""
    batch: list[StreamAppend] = []
    for n in range(count):
        account, version = f"{n % accounts:012d}", n // accounts
        data = {"account_no": account, "posting_ref": f"T{n:09d}",
                "amount": {"amount": f"{n % 997 + 1}.25", "currency": "EUR"},
                "value_date": value_date.isoformat(), "narrative": "SALARY"}  # fmt: skip
        batch.append(
            StreamAppend(f"account-{account}", version, [NewEvent("FundsDeposited", data, 2)])
        )
        if len(batch) == 5000:
            with store.transaction() as tx:
                tx.append(batch)
            batch = []
    if batch:
        with store.transaction() as tx:
            tx.append(batch)
