"""The `imports` table: who claimed which file, how far it got, and how it ended.

A claim is unique on source + SHA-256 of the content and held by a lease that expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from gateway.errors import DuplicateCommand, StoreError
from gateway.store.sql import SqlEventStore
from gateway.store.writes import StoreTransaction, timestamp

ImportStatus = Literal["running", "completed", "failed"]
COLUMNS = (
    "id, source, file_name, sha256, size, status, reason, records, checkpoint, accepted, "
    "rejected, already_recorded, events, started_at, finished_at, lease_owner, lease_until"
)


@dataclass(frozen=True, slots=True)
class ImportRecord:
    id: int
    source: str
    file_name: str
    sha256: str
    size: int
    status: ImportStatus
    reason: str | None
    records: int
    checkpoint: int
    accepted: int
    rejected: int
    already_recorded: int
    events: int
    started_at: str
    finished_at: str | None
    lease_owner: str | None
    lease_until: str | None


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of trying to claim a file: ours to run (from `checkpoint`), or not."""

    record: ImportRecord
    ours: bool


class ImportLedger:
    def __init__(self, store: SqlEventStore) -> None:
        self.store = store

    def claim(
        self, *, source: str, file_name: str, sha256: str, size: int, owner: str,
        now: datetime, lease: timedelta,
    ) -> Claim:  # fmt: skip
        """Claim the file's content for `owner`, or take over a claim whose lease expired."""
        until = timestamp(now + lease)
        try:
            with self.store.transaction() as tx:
                tx.connection.exec_driver_sql(
                    self.store.sql(
                        "INSERT INTO imports (source, file_name, sha256, size, status, "
                        "started_at, lease_owner, lease_until) VALUES (?,?,?,?,'running',?,?,?)"
                    ),
                    (source, file_name, sha256, size, timestamp(now), owner, until),
                )
        except (DuplicateCommand, StoreError):
            pass  # claimed before, by us or by another process: look at that claim
        existing = self.find(source, sha256)
        if existing is None:
            raise StoreError(f"could not claim {file_name} for {source}")
        if existing.lease_owner == owner and existing.status == "running":
            return Claim(existing, ours=True)
        if existing.status == "running" and (existing.lease_until or "") < timestamp(now):
            return Claim(self._take_over(existing, owner, until, now), ours=True)
        return Claim(existing, ours=False)

    def _take_over(
        self, existing: ImportRecord, owner: str, until: str, now: datetime
    ) -> ImportRecord:
        with self.store.transaction() as tx:
            taken = tx.connection.exec_driver_sql(
                self.store.sql(
                    "UPDATE imports SET lease_owner = ?, lease_until = ? "
                    "WHERE id = ? AND status = 'running' AND lease_until < ?"
                ),
                (owner, until, existing.id, timestamp(now)),
            ).rowcount
        current = self.get(existing.id)
        assert current is not None
        return current if taken else existing

    def renew(self, tx: StoreTransaction, import_id: int, *, until: datetime) -> None:
        self._update(tx, import_id, lease_until=timestamp(until))

    def set_records(self, import_id: int, records: int) -> None:
        with self.store.transaction() as tx:
            self._update(tx, import_id, records=records)

    def advance(self, tx: StoreTransaction, import_id: int, **counts: int) -> None:
        """Move the checkpoint and add to the counters, inside the chunk's transaction."""
        checkpoint = counts.pop("checkpoint")
        sets = ", ".join(f"{name} = {name} + ?" for name in counts)
        tx.connection.exec_driver_sql(
            self.store.sql(f"UPDATE imports SET checkpoint = ?, {sets} WHERE id = ?"),
            (checkpoint, *counts.values(), import_id),
        )

    def finish(
        self, tx: StoreTransaction, import_id: int, status: ImportStatus, reason: str | None
    ) -> None:
        self._update(
            tx, import_id, status=status, reason=reason, finished_at=tx.recorded_at,
            lease_owner=None, lease_until=None,
        )  # fmt: skip

    def _update(self, tx: StoreTransaction, import_id: int, **values: Any) -> None:
        sets = ", ".join(f"{name} = ?" for name in values)
        tx.connection.exec_driver_sql(
            self.store.sql(f"UPDATE imports SET {sets} WHERE id = ?"), (*values.values(), import_id)
        )

    def get(self, import_id: int) -> ImportRecord | None:
        rows = self.store.fetch(f"SELECT {COLUMNS} FROM imports WHERE id = ?", (import_id,))
        return ImportRecord(*rows[0]) if rows else None

    def find(self, source: str, sha256: str) -> ImportRecord | None:
        rows = self.store.fetch(
            f"SELECT {COLUMNS} FROM imports WHERE source = ? AND sha256 = ?", (source, sha256)
        )
        return ImportRecord(*rows[0]) if rows else None

    def list(self, *, source: str | None = None, limit: int = 100) -> list[ImportRecord]:
        where, params = ("WHERE source = ?", (source,)) if source else ("", ())
        rows = self.store.fetch(
            f"SELECT {COLUMNS} FROM imports {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [ImportRecord(*row) for row in rows]
