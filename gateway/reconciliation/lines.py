"""The ledger lines of a destination: for each delivery, the line the legacy ledger books.

Filled in feed order from the events behind the destination's deliveries, by the adapter's
own reading of the posting it sends, so the comparison is one SQL aggregate over these rows.
"""

from __future__ import annotations

import logging

from gateway.reconciliation.ports import BalancesFormat
from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)
BATCH = 5000


def indexed_up_to(store: SqlEventStore, destination: str) -> int:
    rows = store.fetch(
        "SELECT COALESCE(MAX(position), 0) FROM ledger_lines WHERE destination = ?",
        (destination,),
    )
    return int(rows[0][0])


def index_ledger_lines(
    store: SqlEventStore, destination: str, adapter: BalancesFormat, *, batch: int = BATCH
) -> int:
    """Add the lines of every delivery past the last one indexed; returns how many were added."""
    added, after = 0, indexed_up_to(store, destination)
    while True:
        positions = [
            int(row[0])
            for row in store.fetch(
                "SELECT position FROM deliveries WHERE destination = ? AND position > ? "
                "ORDER BY position LIMIT ?",
                (destination, after, batch),
            )
        ]
        if not positions:
            return added
        added += _index(store, destination, adapter, positions)
        after = positions[-1]
        if len(positions) < batch:
            return added


def _index(
    store: SqlEventStore, destination: str, adapter: BalancesFormat, positions: list[int]
) -> int:
    wanted = set(positions)
    rows = []
    for event in store.read_positions(positions[0], positions[-1]):
        if event.position not in wanted:
            continue
        line = adapter.ledger_line(event)
        if line is None:
            log.info("event at position %d has no ledger line for %s", event.position, destination)
            continue
        rows.append((destination, event.position, *line))
    if rows:
        with store.transaction() as tx:
            tx.connection.exec_driver_sql(
                store.sql(
                    "INSERT INTO ledger_lines (destination, position, account, reference, amount, "
                    "currency) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING"
                ),
                rows,
            )
    return len(rows)
