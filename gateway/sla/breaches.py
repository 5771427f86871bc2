"""The `sla_breaches` table: one row per subject that missed its due time, per severity.

Kind names the SLA's family (`delivery`, `import`, `export`), name its instance (`gl`, `cbs`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from sqlalchemy.engine import Connection

from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)

SLA_BREACHES = Counter(
    "gateway_sla_breaches_total", "SLA breaches recorded", ["kind", "name", "severity"]
)
COLUMNS = "kind, name, subject, severity, due_at, breached_at, detail"


@dataclass(frozen=True, slots=True)
class Breach:
    """`subject` missed `due_at` (UTC epoch seconds); noticed at `breached_at`."""

    kind: str
    name: str
    subject: str
    due_at: float
    breached_at: float
    severity: str = "breach"
    detail: str | None = None


def insert_breaches(
    store: SqlEventStore, connection: Connection, breaches: Sequence[Breach]
) -> list[Breach]:
    """Record each breach once (a repeat is ignored); returns the ones that are new."""
    new: list[Breach] = []
    statement = store.sql(
        f"INSERT INTO sla_breaches ({COLUMNS}) VALUES (?,?,?,?,?,?,?) "
        "ON CONFLICT (kind, name, subject, severity) DO NOTHING"
    )
    for b in breaches:
        params = (b.kind, b.name, b.subject, b.severity, b.due_at, b.breached_at, b.detail)
        if connection.exec_driver_sql(statement, params).rowcount:
            new.append(b)
    return new


def announce(breaches: Sequence[Breach]) -> None:
    """After the commit: the metric and one log line per breach."""
    for b in breaches:
        SLA_BREACHES.labels(b.kind, b.name, b.severity).inc()
        log.warning(
            "SLA %s: %s %s %s was due at %.3f",
            b.severity, b.kind, b.name, b.subject, b.due_at,
            extra={"sla_kind": b.kind, "sla_name": b.name, "subject": b.subject},
        )  # fmt: skip


def record_breach(
    store: SqlEventStore,
    *,
    kind: str,
    name: str,
    subject: str,
    due_at: float,
    breached_at: float,
    severity: str = "breach",
    detail: str | None = None,
) -> bool:
    """Record that `subject` missed `due_at`; False when that breach was already recorded."""
    breach = Breach(kind, name, subject, due_at, breached_at, severity, detail)
    with store.transaction() as tx:
        new = insert_breaches(store, tx.connection, [breach])
    announce(new)
    return bool(new)


def list_breaches(
    store: SqlEventStore,
    *,
    kind: str | None = None,
    name: str | None = None,
    limit: int = 100,
) -> list[Breach]:
    """The latest breaches first, optionally of one kind and name."""
    where, params = _filter(kind, name)
    rows = query(
        store,
        f"SELECT {COLUMNS} FROM sla_breaches{where} ORDER BY breached_at DESC, id DESC LIMIT ?",
        (*params, limit),
    )
    return [Breach(r[0], r[1], r[2], r[4], r[5], r[3], r[6]) for r in rows]


def breach_counts(store: SqlEventStore, *, kind: str) -> dict[tuple[str, str], int]:
    """(name, severity) -> how many breaches were ever recorded."""
    rows = query(
        store,
        "SELECT name, severity, COUNT(*) FROM sla_breaches WHERE kind = ? GROUP BY name, severity",
        (kind,),
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


def _filter(kind: str | None, name: str | None) -> tuple[str, tuple[str, ...]]:
    clauses, params = [], []
    for column, value in (("kind", kind), ("name", name)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def query(store: SqlEventStore, statement: str, params: tuple[Any, ...]) -> list[Any]:
    """Rows of a read, straight from the driver."""
    with store.engine.connect() as conn:
        return list(conn.exec_driver_sql(store.sql(statement), params).fetchall())
