"""The delivery family of the SLA report: one line per destination, disabled ones included.

Latency percentiles come from the recorded deliveries of the last `window_seconds`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gateway.delivery.destination import Destination, DisabledDestination
from gateway.delivery.sweep import backlog
from gateway.sla.breaches import query
from gateway.sla.report import SlaLine, SlaSource, latency_line
from gateway.store.sql import SqlEventStore

DAY = 86_400.0
HELD_BACK_AFTER = 3  # retry-later answers in a row before a stream shows as blocked
BLOCKED = (
    "SELECT COUNT(DISTINCT stream_id), MAX(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) "
    "FROM deliveries WHERE destination = ? AND (status = 'dead' OR (status = 'pending' "
    "AND retry_later_attempts >= ?))"
)
LATEST_REASON = (
    "SELECT stream_id, last_error, status, retry_later_attempts FROM deliveries "
    "WHERE destination = ? AND (status = 'dead' OR (status = 'pending' "
    "AND retry_later_attempts >= ?)) ORDER BY id DESC LIMIT 1"
)


def blocked_streams(store: SqlEventStore, destination: str) -> tuple[int, str]:
    """How many streams are held back, and why the latest one is."""
    count = int(query(store, BLOCKED, (destination, HELD_BACK_AFTER))[0][0] or 0)
    if not count:
        return 0, ""
    stream, error, status, waits = query(store, LATEST_REASON, (destination, HELD_BACK_AFTER))[0]
    if status == "dead":
        return count, f"{stream}: dead letter ({error})"
    return count, f"{stream}: {error}, {waits} times in a row"


def delivery_sla_source(
    destinations: Sequence[Destination],
    disabled: Sequence[DisabledDestination] = (),
    *,
    window_seconds: float = DAY,
) -> SlaSource:
    def lines(store: SqlEventStore, now: float) -> list[SlaLine]:
        pending = backlog(store)
        circuits = {
            r[0]: r[1] if r[1] == "closed" else f"{r[1]}: {r[2]}"
            for r in query(store, "SELECT destination, state, reason FROM delivery_circuits", ())
        }
        found: list[SlaLine] = []
        names = [(d.name, circuits.get(d.name, "closed")) for d in destinations]
        names += [(d.name, f"disabled: {d.reason}") for d in disabled]
        for name, state in names:
            latencies = [
                float(r[0])
                for r in query(
                    store,
                    "SELECT latency_seconds FROM deliveries WHERE destination = ? "
                    "AND status = 'delivered' AND delivered_at >= ?",
                    (name, now - window_seconds),
                )
            ]
            entry = pending.get(name)
            oldest = (
                None
                if entry is None or entry.oldest_event_at is None
                else now - entry.oldest_event_at
            )
            line = latency_line("delivery", name, latencies)
            blocked, why = blocked_streams(store, name)
            found.append(
                replace(
                    line,
                    pending=entry.pending if entry else 0,
                    oldest_pending_age=oldest,
                    state=state,
                    blocked=blocked,
                    blocked_reason=why,
                )
            )
        return found

    return lines
