"""The feed as an export reads it: its event types, a page at a time, data without metadata.

Formats render `data` only, so the metadata column is not read: a tenth of the cost of a night.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from gateway.store.decoding import decode_row, decode_rows
from gateway.store.port import StoredEvent
from gateway.store.sql import SqlEventStore

COLUMNS = (
    "position, stream_id, stream_version, event_id, type, schema_version, data, '{}', recorded_at"
)
BY_POSITION = 500


def feed_pages(
    store: SqlEventStore, types: Sequence[str], *, after: int, through: int, size: int
) -> Iterator[list[StoredEvent]]:
    """Events of `types` with positions in (`after`, `through`], in order, `size` at a time."""
    marks = ", ".join("?" * len(types))
    statement = (
        f"SELECT {COLUMNS} FROM events WHERE position > ? AND position <= ? "
        f"AND type IN ({marks}) ORDER BY position LIMIT ?"
    )
    while after < through:
        rows = store.fetch(statement, (after, through, *types, size))
        if not rows:
            return
        yield decode_rows(rows)
        after = rows[-1][0]


def events_at(store: SqlEventStore, positions: Iterable[int]) -> Iterator[StoredEvent]:
    """The events at `positions` (any order), fetched a few hundred at a time."""
    wanted = sorted(positions)
    for start in range(0, len(wanted), BY_POSITION):
        chunk = wanted[start : start + BY_POSITION]
        marks = ", ".join("?" * len(chunk))
        rows = store.fetch(
            f"SELECT {COLUMNS} FROM events WHERE position IN ({marks}) ORDER BY position",
            tuple(chunk),
        )
        yield from (decode_row(row) for row in rows)
