"""The bank's story for reconciliation: postings of a few accounts, delivered to a local GL.

Postings are appended as the platform records them; the real delivery engine sends them to a
real local HTTP GL; the balances file is then written from that GL's own log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.bootstrap import reconciliation_sources
from gateway.config import GatewayConfig, parse_config
from gateway.delivery.build import build_delivery
from gateway.reconciliation.engine import Reconciler, ReconciliationOutcome
from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore
from tests.delivery.ledger import POSTING_TYPES
from tests.delivery.legacy_sim import TOKEN, LegacySim
from tests.reconciliation.gl_file import (
    Accepted,
    accepted_postings,
    balances_rows,
    write_balances_file,
)

DAY = date(2026, 11, 26)
VERSIONS = {"FundsDeposited": 2}
KINDS = {"FundsDeposited": "DEPOSIT", "FundsWithdrawn": "WITHDRAWAL", "FeeCharged": "FEE",
         "InterestCredited": "INTEREST"}  # fmt: skip


def reconciliation_config(database_url: str, landing: Path, **gl: Any) -> GatewayConfig:
    return parse_config(reconciliation_settings(database_url, landing, **gl))


def reconciliation_settings(database_url: str, landing: Path, **gl: Any) -> dict[str, Any]:
    """`config.yaml` of a gateway with the destination gl and the source gl-balances."""
    destination: dict[str, Any] = {
        "adapter": "adapters.gl:LedgerDestination", "base_url_env": "GL_BASE_URL",
        "auth": {"scheme": "bearer", "token_env": "GL_TOKEN"}, "events": POSTING_TYPES,
        "idempotency_header": "X-Idempotency-Key", "timeout_seconds": 1.0, "max_in_flight": 8,
        "retry": {"delays_seconds": [0.05, 0.1, 0.2], "stop_after_attempts": 50},
        "lease_seconds": 5, "sla": {"deadline_seconds": 300},
        **gl,
    }  # fmt: skip
    source = {
        "kind": "reconciliation", "adapter": "adapters.gl:balances_file", "destination": "gl",
        "landing": str(landing), "pattern": "GL_BALANCES_*.csv",
        "archive": str(landing.parent / "archive"), "error": str(landing.parent / "error"),
    }  # fmt: skip
    return {"database": {"url": database_url}, "log": {"level": "WARNING"},
            "destinations": {"gl": destination}, "sources": {"gl-balances": source}}  # fmt: skip


def account_no(n: int) -> str:
    return f"{n:012d}"


@dataclass
class Ledger:
    """One test's world: the store, the config, the local GL and the landing folder."""

    store: SqlEventStore
    config: GatewayConfig
    sim: LegacySim
    landing: Path
    versions: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    posted: int = 0

    def post(self, account: str, ref: str, amount: str, event: str = "FundsDeposited") -> None:
        data = {"account_no": account, "posting_ref": ref,
                "amount": {"amount": amount, "currency": "EUR"}, "value_date": DAY.isoformat(),
                "narrative": "STORY"}  # fmt: skip
        self._append(account, event, data)
        self.kinds[ref] = KINDS[event]

    def reverse(self, account: str, ref: str, reverses: str, amount: str) -> None:
        data = {"account_no": account, "posting_ref": ref, "reverses_ref": reverses,
                "reversed_kind": self.kinds[reverses],
                "amount": {"amount": amount, "currency": "EUR"}, "value_date": DAY.isoformat(),
                "narrative": "REVERSAL"}  # fmt: skip
        self._append(account, "PostingReversed", data)

    def _append(self, account: str, event: str, data: dict[str, Any]) -> None:
        stream = f"account-{account}"
        version = self.versions.get(stream, 0)
        with self.store.transaction() as tx:
            tx.append(
                [StreamAppend(stream, version, [NewEvent(event, data, VERSIONS.get(event, 1))])]
            )
        self.versions[stream] = version + 1
        self.posted += 1

    def deliver(self, until: Callable[[], bool] | None = None, *, timeout: float = 30) -> None:
        """Run the real delivery engine against the local GL until every posting is settled
        (delivered, dead-lettered or skipped), or until `until` holds."""
        engine = build_delivery(
            self.config, self.store, environ={"GL_BASE_URL": self.sim.base_url, "GL_TOKEN": TOKEN}
        )
        assert engine.run_until(until or self.settled, timeout=timeout)

    def settled(self) -> bool:
        with self.store.engine.connect() as conn:
            open_rows = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"
            ).scalar_one()
            total = conn.exec_driver_sql("SELECT COUNT(*) FROM deliveries").scalar_one()
        return int(total) == self.posted and int(open_rows) == 0

    def gl_log(self) -> list[Accepted]:
        return accepted_postings(self.sim.postings())

    def balances_file(
        self, postings: list[Accepted] | None = None, *,
        extra: Sequence[tuple[str, str, int, str]] = (), as_of: datetime | None = None,
    ) -> Path:  # fmt: skip
        """GL's file for DAY from its log (or the log as a test changed it), plus `extra` rows
        (account, balance, count, last ref) of accounts the gateway never sent a posting for."""
        accepted = self.gl_log() if postings is None else postings
        # AS_OF has whole seconds: GL closed after every delivery so far (or at `as_of`).
        closed = as_of or datetime.now(UTC) + timedelta(seconds=1)
        closed = closed.replace(microsecond=0)
        stamp = closed.isoformat()
        rows = balances_rows(accepted, closed)
        rows += [f"{acct},EUR,{amount},{count},{ref},{stamp}" for acct, amount, count, ref in extra]
        return write_balances_file(self.landing, DAY, sorted(rows))

    def reconcile(self, path: Path | None = None) -> ReconciliationOutcome:
        source = reconciliation_sources(self.config)["gl-balances"]
        reconciler = Reconciler(self.store)
        if path is None:
            (outcome,) = reconciler.reconcile_landed(source)
            return outcome
        return reconciler.reconcile_file(source, path)


A, B, C, D = (account_no(n) for n in (1, 2, 3, 4))


def a_day_of_postings(ledger: Ledger) -> None:
    """Deposits, withdrawals, fees, interest and reversals of each, over four accounts."""
    ledger.post(A, "A-001", "1250.00")
    ledger.post(A, "A-002", "300.00", "FundsWithdrawn")
    ledger.post(A, "A-003", "2.50", "FeeCharged")
    ledger.reverse(A, "A-004", "A-003", "2.50")
    ledger.post(B, "B-001", "10.00")
    ledger.post(B, "B-002", "0.42", "InterestCredited")
    ledger.reverse(B, "B-003", "B-002", "0.42")
    ledger.post(C, "C-001", "99.99", "FundsWithdrawn")
    ledger.reverse(C, "C-002", "C-001", "99.99")
    ledger.post(D, "D-001", "10.00")
