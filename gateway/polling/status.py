"""Each inbound source's book: kind, cursor, last success, last error, and a halt on 401.

Poll cursors are written through `save_cursor` inside the transaction of the page's commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.store.sql import SqlEventStore
from gateway.store.writes import StoreTransaction

COLUMNS = "source, kind, cursor, last_success_at, last_error_at, last_error, halted_at"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    source: str
    kind: str
    cursor: str | None = None
    last_success_at: str | None = None
    last_error_at: str | None = None
    last_error: str | None = None
    halted_at: str | None = None


class SourceStatusBook:
    def __init__(self, store: SqlEventStore) -> None:
        self.store = store

    def read(self, source: str) -> SourceStatus | None:
        rows = self._rows(f"SELECT {COLUMNS} FROM source_status WHERE source = ?", (source,))
        return SourceStatus(*rows[0]) if rows else None

    def read_all(self) -> dict[str, SourceStatus]:
        rows = self._rows(f"SELECT {COLUMNS} FROM source_status ORDER BY source", ())
        return {row[0]: SourceStatus(*row) for row in rows}

    def last_command_at(self, source: str) -> str | None:
        """When a command from `source` was last recorded (webhook sources' last success)."""
        rows = self._rows("SELECT MAX(recorded_at) FROM commands WHERE source = ?", (source,))
        return rows[0][0] if rows else None

    def save_cursor(self, tx: StoreTransaction, source: str, cursor: str | None) -> None:
        """Move the cursor and mark success, inside the caller's transaction."""
        self._upsert(tx, source, "poll")
        tx.connection.exec_driver_sql(
            self.store.sql(
                "UPDATE source_status SET cursor = ?, last_success_at = ?, halted_at = NULL "
                "WHERE source = ?"
            ),
            (cursor, tx.recorded_at, source),
        )

    def record_error(self, source: str, kind: str, error: str, *, halt: bool = False) -> None:
        with self.store.transaction() as tx:
            self._upsert(tx, source, kind)
            halted = ", halted_at = ?" if halt else ""
            params = (tx.recorded_at, error[:2000], *([tx.recorded_at] if halt else []), source)
            tx.connection.exec_driver_sql(
                self.store.sql(
                    f"UPDATE source_status SET last_error_at = ?, last_error = ?{halted} "
                    "WHERE source = ?"
                ),
                params,
            )

    def record_success(self, source: str, kind: str) -> None:
        with self.store.transaction() as tx:
            self._upsert(tx, source, kind)
            tx.connection.exec_driver_sql(
                self.store.sql(
                    "UPDATE source_status SET last_success_at = ?, halted_at = NULL "
                    "WHERE source = ?"
                ),
                (tx.recorded_at, source),
            )

    def _rows(self, statement: str, params: tuple[Any, ...]) -> list[Any]:
        with self.store.engine.connect() as conn:
            return list(conn.exec_driver_sql(self.store.sql(statement), params).all())

    def _upsert(self, tx: StoreTransaction, source: str, kind: str) -> None:
        tx.connection.exec_driver_sql(
            self.store.sql(
                "INSERT INTO source_status (source, kind) VALUES (?, ?) "
                "ON CONFLICT (source) DO NOTHING"
            ),
            (source, kind),
        )
