"""The `imports` table: who claimed which file, how far it got, and how it ended.

A claim is unique on source + SHA-256 among imports that did not fail, and held by a lease that
expires; every write of a running import is fenced by its lease owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from gateway.errors import DuplicateCommand, LeaseLost, StoreError
from gateway.store.sql import SqlEventStore
from gateway.store.writes import StoreTransaction, timestamp

ImportStatus = Literal["running", "completed", "failed"]
COLUMNS = (
    "id, source, file_name, sha256, size, status, reason, records, checkpoint, accepted, "
    "rejected, already_recorded, events, started_at, finished_at, lease_owner, lease_until, "
    "retry_of"
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
    retry_of: int | None = None  # the failed import of the same content this one runs again


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
        """Claim the file's content for `owner`, or take over a claim whose lease expired.

        Content whose every import failed is claimed anew, by an import naming the last one.
        """
        until = timestamp(now + lease)
        try:
            with self.store.transaction() as tx:
                tx.connection.exec_driver_sql(
                    self.store.sql(
                        "INSERT INTO imports (source, file_name, sha256, size, status, "
                        "started_at, lease_owner, lease_until, retry_of) "
                        "VALUES (?,?,?,?,'running',?,?,?,?)"
                    ),
                    (source, file_name, sha256, size, timestamp(now), owner, until,
                     self.last_failed(source, sha256)),
                )  # fmt: skip
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

    def running_elsewhere(
        self, source: str, file_name: str, owner: str, now: datetime
    ) -> ImportRecord | None:
        """A running import of this file name whose live lease another process holds.

        Checked before reading a landed file: the scan of a folder whose file another process
        is importing costs one query, not a pass over the file.
        """
        rows = self.store.fetch(
            f"SELECT {COLUMNS} FROM imports WHERE source = ? AND file_name = ? "
            "AND status = 'running' AND lease_owner <> ? AND lease_until >= ?",
            (source, file_name, owner, timestamp(now)),
        )
        return ImportRecord(*rows[0]) if rows else None

    def last_completed_at(self, source: str) -> str | None:
        """When an import of `source` last completed (a batch source's last success)."""
        rows = self.store.fetch(
            "SELECT MAX(finished_at) FROM imports WHERE source = ? AND status = 'completed'",
            (source,),
        )
        return rows[0][0] if rows else None

    def last_failed(self, source: str, sha256: str) -> int | None:
        rows = self.store.fetch(
            "SELECT MAX(id) FROM imports WHERE source = ? AND sha256 = ? AND status = 'failed'",
            (source, sha256),
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

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

    def renew(self, tx: StoreTransaction, import_id: int, *, owner: str, until: datetime) -> None:
        self._fenced(tx, import_id, owner, lease_until=timestamp(until))

    def set_records(self, import_id: int, records: int, *, owner: str) -> None:
        with self.store.transaction() as tx:
            self._fenced(tx, import_id, owner, records=records)

    def advance(self, tx: StoreTransaction, import_id: int, *, owner: str, **counts: int) -> None:
        """Move the checkpoint and add to the counters, inside the chunk's transaction.

        Fenced: once another process took the lease over, the write (and with it the whole
        chunk's transaction) is refused with `LeaseLost`.
        """
        checkpoint = counts.pop("checkpoint")
        sets = ", ".join(f"{name} = {name} + ?" for name in counts)
        changed = tx.connection.exec_driver_sql(
            self.store.sql(
                f"UPDATE imports SET checkpoint = ?, {sets} "
                "WHERE id = ? AND lease_owner = ? AND status = 'running'"
            ),
            (checkpoint, *counts.values(), import_id, owner),
        ).rowcount
        if changed != 1:
            raise LeaseLost(import_id, owner)

    def finish(
        self, tx: StoreTransaction, import_id: int, status: ImportStatus, reason: str | None,
        *, owner: str,
    ) -> None:  # fmt: skip
        self._fenced(
            tx, import_id, owner, status=status, reason=reason, finished_at=tx.recorded_at,
            lease_owner=None, lease_until=None,
        )  # fmt: skip

    def _fenced(self, tx: StoreTransaction, import_id: int, owner: str, **values: Any) -> None:
        """Set `values` only while `owner` holds the running import's lease."""
        sets = ", ".join(f"{name} = ?" for name in values)
        changed = tx.connection.exec_driver_sql(
            self.store.sql(
                f"UPDATE imports SET {sets} WHERE id = ? AND lease_owner = ? AND status = 'running'"
            ),
            (*values.values(), import_id, owner),
        ).rowcount
        if changed != 1:
            raise LeaseLost(import_id, owner)

    def get(self, import_id: int) -> ImportRecord | None:
        rows = self.store.fetch(f"SELECT {COLUMNS} FROM imports WHERE id = ?", (import_id,))
        return ImportRecord(*rows[0]) if rows else None

    def find(self, source: str, sha256: str) -> ImportRecord | None:
        """The import of this content that did not fail (running or completed), if any."""
        rows = self.store.fetch(
            f"SELECT {COLUMNS} FROM imports WHERE source = ? AND sha256 = ? AND status <> 'failed'",
            (source, sha256),
        )
        return ImportRecord(*rows[0]) if rows else None

    def list(self, *, source: str | None = None, limit: int = 100) -> list[ImportRecord]:
        where, params = ("WHERE source = ?", (source,)) if source else ("", ())
        rows = self.store.fetch(
            f"SELECT {COLUMNS} FROM imports {where} ORDER BY id DESC LIMIT ?", (*params, limit)
        )
        return [ImportRecord(*row) for row in rows]
