"""Blocked streams: a dead letter holds back the later events of its stream for its destination.

The console's destinations page lists them, so an operator sees what one posting is holding up.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.store.sql import SqlEventStore


@dataclass(frozen=True, slots=True)
class BlockedStream:
    destination: str
    stream_id: str
    dead_letter: int  # the oldest dead delivery's id
    waiting: int  # later deliveries of the stream still pending behind it


def blocked_streams(store: SqlEventStore, *, limit: int = 200) -> list[BlockedStream]:
    rows = store.fetch(
        "SELECT d.destination, d.stream_id, MIN(d.id), "
        "(SELECT COUNT(*) FROM deliveries p WHERE p.destination = d.destination "
        " AND p.stream_id = d.stream_id AND p.status IN ('pending', 'dead') "  # its index
        " AND p.status = 'pending') "
        "FROM deliveries d WHERE d.status = 'dead' GROUP BY d.destination, d.stream_id "
        "ORDER BY MIN(d.id) LIMIT ?",
        (limit,),
    )
    return [BlockedStream(r[0], r[1], int(r[2]), int(r[3])) for r in rows]
