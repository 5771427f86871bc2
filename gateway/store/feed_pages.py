"""The feed as CloudEvents bytes: each current-version row's stored JSON spliced in, not re-encoded.

On SQLite the envelope of each row is built by SQLite's JSON functions (in C), the stored
`data` checked by `json_valid` and spliced in; on PostgreSQL the envelope is built here. A row
of an older schema version, or one whose JSON is damaged, takes the decoding path instead
(`decode_row` then `to_cloudevent`): upcast, or served with `gatewayproblem`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import orjson

from gateway.cloudevents import OPTIONAL_ATTRIBUTES, SPEC_VERSION, TYPE_PREFIX, to_cloudevent
from gateway.store.decoding import collector_paused, current_version, decode_row
from gateway.store.sql import SqlEventStore
from gateway.store.writes import EVENT_COLUMNS

# The envelope without `data`, optional attributes included as null when absent (a metadata
# value of JSON null is left out too: CloudEvents treats a null attribute as absent).
_SQLITE_COLUMNS = (
    f"""position, stream_id, event_id, type, schema_version, recorded_at,
json_valid(data), json_object('specversion', '{SPEC_VERSION}', 'id', event_id,
  'source', '/gateway/' || ifnull(json_extract(metadata, '$.source'), 'platform'),
  'type', '{TYPE_PREFIX}' || type || '.v' || schema_version, 'subject', stream_id,
  'time', recorded_at, 'datacontenttype', 'application/json', 'position', position,
  'streamid', stream_id, 'streamversion', stream_version, """
    + ", ".join(
        f"'{attribute}', json_extract(metadata, '$.{key}')"
        for key, attribute in OPTIONAL_ATTRIBUTES
    )
    + "), data"
)
_NULLS = tuple(f',"{attribute}":null' for _, attribute in OPTIONAL_ATTRIBUTES)
_PAGE = "FROM events WHERE position > ? ORDER BY position LIMIT ?"


class EncodedCloudEvent(NamedTuple):
    """One stored event as its CloudEvents JSON bytes, with what a broker message names."""

    position: int
    stream_id: str
    event_id: str
    type: str
    """The CloudEvents `type`, e.g. `bank.FundsDeposited.v2` (the current version)."""
    time: str
    body: bytes


def feed_page(store: SqlEventStore, *, after: int, limit: int) -> tuple[bytes, int]:
    """The events after `after` as a CloudEvents batch (JSON array) and the last position."""
    with collector_paused():
        rows, render = _rows(store, after=after, limit=limit)
        parts = [render(row) for row in rows]
    last = int(rows[-1][0]) if rows else after
    return b"[" + b",".join(parts) + b"]", last


def encoded_events(store: SqlEventStore, *, after: int, limit: int) -> list[EncodedCloudEvent]:
    """`feed_page`'s events one by one: what the broker relay publishes, never decoded."""
    with collector_paused():
        rows, render = _rows(store, after=after, limit=limit)
        if store.is_postgres:
            return [EncodedCloudEvent(row[0], row[1], row[3], _type(row[4], row[5]), row[8],
                                      render(row)) for row in rows]  # fmt: skip
        return [EncodedCloudEvent(row[0], row[1], row[2], _type(row[3], row[4]), row[5],
                                  render(row)) for row in rows]  # fmt: skip


def _rows(
    store: SqlEventStore, *, after: int, limit: int
) -> tuple[list[Any], Callable[[Any], bytes]]:
    if store.is_postgres:
        return store.fetch(f"SELECT {EVENT_COLUMNS} {_PAGE}", (after, limit)), _spliced
    rows = store.fetch(f"SELECT {_SQLITE_COLUMNS} {_PAGE}", (after, limit))
    return rows, lambda row: _from_sqlite(store, row)


def _type(type_name: str, schema_version: int) -> str:
    current = current_version(type_name)
    version = current if current is not None and schema_version < current else schema_version
    return f"{TYPE_PREFIX}{type_name}.v{version}"


def _from_sqlite(store: SqlEventStore, row: Any) -> bytes:
    """A row of `_SQLITE_COLUMNS`: position, stream, id, type, version, time, valid, head, data."""
    if not row[6] or _is_old(row[3], row[4]):
        (full,) = store.fetch(f"SELECT {EVENT_COLUMNS} FROM events WHERE position = ?", (row[0],))
        return _decoded(full)
    head: str = row[7]
    if ":null" in head:
        for absent in _NULLS:
            head = head.replace(absent, "")
    spliced: bytes = f'{head[:-1]},"data":'.encode() + bytes(row[8]) + b"}"
    return spliced


def _spliced(row: Any) -> bytes:
    position, stream_id, version, event_id, type_name, schema_version, data, meta, at = row
    if _is_old(type_name, schema_version):
        return _decoded(row)
    try:
        orjson.loads(data)  # checked, not kept: a damaged row must not break the page
        metadata = orjson.loads(meta)
    except orjson.JSONDecodeError:
        return _decoded(row)
    head: dict[str, Any] = {
        "specversion": SPEC_VERSION, "id": event_id,
        "source": f"/gateway/{metadata.get('source', 'platform')}",
        "type": f"{TYPE_PREFIX}{type_name}.v{schema_version}", "subject": stream_id,
        "time": at, "datacontenttype": "application/json", "position": position,
        "streamid": stream_id, "streamversion": version,
    }  # fmt: skip
    for key, attribute in OPTIONAL_ATTRIBUTES:
        if key in metadata:
            head[attribute] = metadata[key]
    return orjson.dumps(head)[:-1] + b',"data":' + bytes(data) + b"}"


def _is_old(type_name: str, schema_version: int) -> bool:
    current = current_version(type_name)
    return current is not None and schema_version < current


def _decoded(row: Any) -> bytes:
    return orjson.dumps(to_cloudevent(decode_row(tuple(row[:9]))))
