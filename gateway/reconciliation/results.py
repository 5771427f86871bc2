"""Reconciliations kept per system and day: the current result, and every earlier one in history.

A corrected file for a day already reconciled replaces that day's current result; the one it
replaces stays, marked with the id of its successor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from gateway.reconciliation.differences import Difference
from gateway.store.sql import SqlEventStore
from gateway.store.writes import StoreTransaction

RUN_COLUMNS = (
    "id, system, source, day, import_id, file_name, sha256, as_of, accounts, "
    "differing_accounts, differences, gl_total, outcome, is_current, replaced_by, reconciled_at"
)
DIFFERENCE_COLUMNS = (
    "account, class, currency, gl_balance, gl_count, gl_last_ref, expected_balance, "
    "expected_count, detail, postings"
)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """One file compared: how many accounts, how many differ, and whether it is current."""

    id: int
    system: str
    source: str
    day: str
    import_id: int
    file_name: str
    sha256: str
    as_of: str
    accounts: int
    differing_accounts: int
    differences: int
    gl_total: int
    outcome: str
    current: bool
    replaced_by: int | None
    reconciled_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class NewReconciliation:
    system: str
    source: str
    day: str
    import_id: int
    file_name: str
    sha256: str
    as_of: str
    accounts: int
    gl_total: int


@dataclass(frozen=True, slots=True)
class StoredDifference:
    account: str
    kind: str
    currency: str | None
    gl_balance: int | None
    gl_count: int | None
    gl_last_ref: str | None
    expected_balance: int
    expected_count: int
    detail: str
    postings: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "class": self.kind}


def _postings_json(difference: Difference) -> str:
    return orjson.dumps(
        [
            {"position": p.position, "posting_ref": p.reference, "amount": p.amount,
             "currency": p.currency, "delivery_id": p.delivery_id, "status": p.status,
             "attempts": p.attempts, "acknowledged": p.acknowledged}
            for p in difference.postings
        ]
    ).decode()  # fmt: skip


def _row(run_id: int, d: Difference) -> tuple[Any, ...]:
    ledger = d.ledger
    return (
        run_id, d.account, d.kind.value, ledger.currency if ledger else None,
        ledger.balance if ledger else None, ledger.posting_count if ledger else None,
        ledger.last_ref if ledger else None, d.expected_balance, d.expected_count, d.detail,
        _postings_json(d),
    )  # fmt: skip


class ReconciliationBook:
    def __init__(self, store: SqlEventStore) -> None:
        self.store = store

    def save(
        self, tx: StoreTransaction, run: NewReconciliation, differences: Sequence[Difference],
        *, at: str,
    ) -> int:  # fmt: skip
        """Store a result as the day's current one; an earlier current one goes to history."""
        conn, sql = tx.connection, self.store.sql
        accounts = len({d.account for d in differences})
        outcome = "differs" if differences else "agrees"
        run_id = conn.exec_driver_sql(
            sql(
                "INSERT INTO reconciliations (system, source, day, import_id, file_name, sha256, "
                "as_of, accounts, differing_accounts, differences, gl_total, outcome, is_current, "
                "reconciled_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id"
            ),
            (run.system, run.source, run.day, run.import_id, run.file_name, run.sha256,
             run.as_of, run.accounts, accounts, len(differences), run.gl_total, outcome, True,
             at),
        ).scalar_one()  # fmt: skip
        conn.exec_driver_sql(
            sql(
                "UPDATE reconciliations SET is_current = ?, replaced_by = ? "
                "WHERE system = ? AND day = ? AND is_current = ? AND id <> ?"
            ),
            (False, run_id, run.system, run.day, True, run_id),
        )
        if differences:
            conn.exec_driver_sql(
                sql(
                    f"INSERT INTO reconciliation_differences (reconciliation_id, "
                    f"{DIFFERENCE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                ),
                [_row(run_id, d) for d in differences],
            )
        return int(run_id)

    def get(self, run_id: int) -> Reconciliation | None:
        rows = self.store.fetch(
            f"SELECT {RUN_COLUMNS} FROM reconciliations WHERE id = ?", (run_id,)
        )
        return _run(rows[0]) if rows else None

    def recent(self, *, system: str | None = None, limit: int = 100) -> list[Reconciliation]:
        """Current results, newest day first."""
        where, params = ("AND system = ?", (system,)) if system else ("", ())
        rows = self.store.fetch(
            f"SELECT {RUN_COLUMNS} FROM reconciliations WHERE is_current = ? {where} "
            "ORDER BY day DESC, system LIMIT ?",
            (True, *params, limit),
        )
        return [_run(row) for row in rows]

    def day(self, system: str, day: str) -> list[Reconciliation]:
        """Every result for the day, the current one first, then the ones it replaced."""
        rows = self.store.fetch(
            f"SELECT {RUN_COLUMNS} FROM reconciliations WHERE system = ? AND day = ? "
            "ORDER BY is_current DESC, id DESC",
            (system, day),
        )
        return [_run(row) for row in rows]

    def for_import(self, import_id: int) -> Reconciliation | None:
        rows = self.store.fetch(
            f"SELECT {RUN_COLUMNS} FROM reconciliations WHERE import_id = ?", (import_id,)
        )
        return _run(rows[0]) if rows else None

    def differences(self, run_id: int) -> list[StoredDifference]:
        rows = self.store.fetch(
            f"SELECT {DIFFERENCE_COLUMNS} FROM reconciliation_differences "
            "WHERE reconciliation_id = ? ORDER BY account, id",
            (run_id,),
        )
        return [_difference(row) for row in rows]

    def classes(self, run_id: int) -> Counter[str]:
        rows = self.store.fetch(
            "SELECT class, COUNT(*) FROM reconciliation_differences WHERE reconciliation_id = ? "
            "GROUP BY class",
            (run_id,),
        )
        return Counter({kind: int(count) for kind, count in rows})


def _difference(row: Any) -> StoredDifference:
    (
        account,
        kind,
        currency,
        balance,
        count,
        last_ref,
        expected,
        expected_count,
        detail,
        postings,
    ) = row
    return StoredDifference(
        account, kind, currency, None if balance is None else int(balance),
        None if count is None else int(count), last_ref, int(expected), int(expected_count),
        detail, orjson.loads(postings),
    )  # fmt: skip


def _run(row: Any) -> Reconciliation:
    values = list(row)
    values[13] = bool(values[13])
    return Reconciliation(*values)
