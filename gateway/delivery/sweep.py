"""The SLA sweeper of deliveries: a breach is recorded when the due time passes, not later.

It also publishes each destination's backlog: pending count and the oldest event's age.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from gateway.delivery.metrics import OLDEST_UNDELIVERED, PENDING
from gateway.delivery.settings import SlaConfig
from gateway.sla.breaches import Breach, announce, insert_breaches
from gateway.store.sql import SqlEventStore

OPEN = "status IN ('pending', 'dead')"


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    oldest_event_at: float | None


def sweep(store: SqlEventStore, slas: Mapping[str, SlaConfig], *, now: float) -> list[Breach]:
    """Record a breach for each open delivery past its due time (and a page past its limit)."""
    with store.transaction() as tx:
        conn = tx.connection
        rows = conn.exec_driver_sql(
            store.sql(
                f"SELECT id, destination, due_at FROM deliveries WHERE {OPEN} AND due_at <= ? "
                "AND breached_at IS NULL ORDER BY due_at LIMIT 5000"
            ),
            (now,),
        ).fetchall()
        late = [Breach("delivery", r[1], str(r[0]), r[2], now) for r in rows if r[1] in slas]
        pages = _pages(store, tx.connection, slas, now=now)
        new = insert_breaches(store, conn, late + pages)
        for column, severity in (("breached_at", "breach"), ("paged_at", "page")):
            marked = [(now, int(b.subject)) for b in late + pages if b.severity == severity]
            if marked:
                conn.exec_driver_sql(
                    store.sql(f"UPDATE deliveries SET {column} = ? WHERE id = ?"), marked
                )
    announce(new)
    return new


def _pages(
    store: SqlEventStore, conn: Connection, slas: Mapping[str, SlaConfig], *, now: float
) -> list[Breach]:
    """Pages count from the SLA clock's start: the event, or its replay or redrive."""
    pages: list[Breach] = []
    for name, sla in slas.items():
        if sla.page_after_seconds is None:
            continue
        rows = conn.exec_driver_sql(
            store.sql(
                f"SELECT id, COALESCE(sla_from, event_at) FROM deliveries WHERE destination = ? "
                f"AND {OPEN} AND COALESCE(sla_from, event_at) <= ? AND paged_at IS NULL "
                "LIMIT 5000"
            ),
            (name, now - sla.page_after_seconds),
        ).fetchall()
        pages += [
            Breach("delivery", name, str(r[0]), r[1] + sla.page_after_seconds, now, "page")
            for r in rows
        ]
    return pages


def backlog(store: SqlEventStore) -> dict[str, Backlog]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT destination, COUNT(*), MIN(event_at) FROM deliveries WHERE {OPEN} "
            "GROUP BY destination"
        ).fetchall()
    return {r[0]: Backlog(int(r[1]), r[2]) for r in rows}


def publish_backlog(store: SqlEventStore, names: list[str], *, now: float) -> None:
    found = backlog(store)
    for name in names:
        entry = found.get(name, Backlog(0, None))
        PENDING.labels(name).set(entry.pending)
        age = 0.0 if entry.oldest_event_at is None else max(0.0, now - entry.oldest_event_at)
        OLDEST_UNDELIVERED.labels(name).set(age)
