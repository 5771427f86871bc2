"""The quarantine of refused records: file, record number, raw bytes (hex), field and reason.

A quarantined record can be replayed once its cause is fixed (say, its account now exists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from gateway.store.sql import SqlEventStore
from gateway.store.writes import StoreTransaction

RejectStatus = Literal["quarantined", "replayed"]
COLUMNS = (
    "id, import_id, record_number, raw_hex, field, code, reason, command_id, status, command_type"
)


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    id: int
    import_id: int
    record_number: int
    raw_hex: str
    field: str | None
    code: str
    reason: str
    command_id: str | None
    status: RejectStatus
    command_type: str | None = None

    @property
    def raw(self) -> bytes:
        return bytes.fromhex(self.raw_hex)


@dataclass(frozen=True, slots=True)
class NewReject:
    record_number: int
    raw: bytes
    code: str
    reason: str
    field: str | None = None
    command_id: str | None = None
    command_type: str | None = None


class Quarantine:
    def __init__(self, store: SqlEventStore) -> None:
        self.store = store

    def add(self, tx: StoreTransaction, import_id: int, rejects: Sequence[NewReject]) -> None:
        rows = [
            (import_id, r.record_number, r.raw.hex(), r.field, r.code, r.reason, r.command_id,
             "quarantined", tx.recorded_at, r.command_type)
            for r in rejects
        ]  # fmt: skip
        if rows:
            tx.connection.exec_driver_sql(
                self.store.sql(
                    "INSERT INTO import_rejects (import_id, record_number, raw_hex, field, code, "
                    "reason, command_id, status, recorded_at, command_type) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?)"
                ),
                rows,
            )

    def mark_replayed(self, tx: StoreTransaction, reject_id: int) -> None:
        tx.connection.exec_driver_sql(
            self.store.sql("UPDATE import_rejects SET status = 'replayed' WHERE id = ?"),
            (reject_id,),
        )

    def list(
        self, *, import_id: int | None = None, status: RejectStatus | None = None,
        limit: int = 1000,
    ) -> list[QuarantinedRecord]:  # fmt: skip
        clauses: list[str] = []
        params: list[object] = []
        if import_id is not None:
            clauses.append("import_id = ?")
            params.append(import_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.store.fetch(
            f"SELECT {COLUMNS} FROM import_rejects {where} ORDER BY import_id, record_number "
            "LIMIT ?",
            (*params, limit),
        )
        return [QuarantinedRecord(*row) for row in rows]

    def get(self, reject_id: int) -> QuarantinedRecord | None:
        rows = self.store.fetch(f"SELECT {COLUMNS} FROM import_rejects WHERE id = ?", (reject_id,))
        return QuarantinedRecord(*rows[0]) if rows else None
