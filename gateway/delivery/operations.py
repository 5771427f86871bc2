"""What an operator can see and do: deliveries and their attempts, dead letters, redrive, skip.

Redrive and replay keep each delivery's idempotency key, so a legacy system sees a re-send.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.delivery.settle import UNKNOWN
from gateway.errors import UnknownDelivery
from gateway.sla.breaches import query
from gateway.store.sql import SqlEventStore

DELIVERY_FIELDS = (
    "id", "destination", "position", "stream_id", "event_id", "event_type", "idempotency_key",
    "status", "attempts", "event_at", "due_at", "next_attempt_at", "delivered_at",
    "latency_seconds", "breached_at", "last_status", "last_error", "lease_owner", "sla_from",
    "retry_later_attempts",
)  # fmt: skip
ATTEMPT_FIELDS = (
    "attempt", "worker", "started_at", "latency_ms", "status_code", "verdict", "error", "answer",
)  # fmt: skip
STATUSES = ("pending", "delivered", "dead", "skipped")


@dataclass(frozen=True, slots=True)
class DeliveryView:
    fields: dict[str, Any]
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        body = dict(self.fields)
        if self.attempts:
            body["attempts_made"] = self.attempts
        return body


def list_deliveries(
    store: SqlEventStore,
    *,
    destination: str | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[DeliveryView]:
    clauses: list[str] = ["id > ?"]
    params: list[Any] = [after_id]
    for column, value in (("destination", destination), ("status", status)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    rows = query(
        store,
        f"SELECT {', '.join(DELIVERY_FIELDS)} FROM deliveries WHERE {' AND '.join(clauses)} "
        "ORDER BY id LIMIT ?",
        (*params, limit),
    )
    return [DeliveryView(dict(zip(DELIVERY_FIELDS, r, strict=True))) for r in rows]


def show_delivery(store: SqlEventStore, delivery_id: int) -> DeliveryView:
    rows = query(
        store, f"SELECT {', '.join(DELIVERY_FIELDS)} FROM deliveries WHERE id = ?", (delivery_id,)
    )
    if not rows:
        raise UnknownDelivery(f"no delivery {delivery_id}")
    attempts = query(
        store,
        f"SELECT {', '.join(ATTEMPT_FIELDS)} FROM delivery_attempts WHERE delivery_id = ? "
        "ORDER BY attempt, id",
        (delivery_id,),
    )
    return DeliveryView(
        dict(zip(DELIVERY_FIELDS, rows[0], strict=True)),
        [dict(zip(ATTEMPT_FIELDS, a, strict=True)) for a in attempts],
    )


def outcome_unknown(attempt: dict[str, Any]) -> bool:
    """Recorded as started, no outcome after: in flight now, or the sender died mid-send."""
    return bool(attempt["verdict"] == UNKNOWN)


def deliveries_for_positions(store: SqlEventStore, first: int, last: int) -> list[DeliveryView]:
    """The deliveries that followed from a command's events (`GET /commands/{id}`)."""
    rows = query(
        store,
        f"SELECT {', '.join(DELIVERY_FIELDS)} FROM deliveries WHERE position BETWEEN ? AND ? "
        "ORDER BY position, destination",
        (first, last),
    )
    return [DeliveryView(dict(zip(DELIVERY_FIELDS, r, strict=True))) for r in rows]


def redrive(
    store: SqlEventStore, ids: Sequence[int], *, now: float, destination: str | None = None
) -> int:
    """Dead letters become pending again with a fresh retry budget; the same key is kept.

    Their SLA clock starts again now, with the deadline they had (`sla_from`, `due_at`).
    """
    return _change_dead(
        store, ids, destination,
        "status = 'pending', counted_attempts = 0, retry_later_attempts = 0, "
        "run_started_at = NULL, next_attempt_at = ?, "
        "due_at = ? + (due_at - COALESCE(sla_from, event_at)), sla_from = ?, "
        "breached_at = NULL, paged_at = NULL",
        (now, now, now),
    )  # fmt: skip


def skip(store: SqlEventStore, ids: Sequence[int], *, destination: str | None = None) -> int:
    """Give dead letters up for good: later events of their streams flow again."""
    return _change_dead(store, ids, destination, "status = 'skipped'", ())


def _change_dead(
    store: SqlEventStore, ids: Sequence[int], destination: str | None, change: str,
    params: tuple[Any, ...],
) -> int:  # fmt: skip
    """Apply `change` to the given dead letters, or to every dead letter of `destination`."""
    if not ids and destination is None:
        return 0
    with store.transaction() as tx:
        if ids:
            statement = f"UPDATE deliveries SET {change} WHERE status = 'dead' AND id = ?"
            count = 0
            for delivery_id in ids:
                result = tx.connection.exec_driver_sql(store.sql(statement), (*params, delivery_id))
                count += result.rowcount
            return count
        statement = f"UPDATE deliveries SET {change} WHERE status = 'dead' AND destination = ?"
        return int(
            tx.connection.exec_driver_sql(store.sql(statement), (*params, destination)).rowcount
        )
