"""Turn stored rows into `StoredEvent`s, upcasting old schema versions on the way.

Stored rows are never rewritten: an old version is brought up to date each time it is read.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import orjson

from gateway.domain.messages import UnknownMessageType, event_class, upcast
from gateway.store.port import StoredEvent


@cache
def current_version(type_name: str) -> int | None:
    """The version this gateway writes for `type_name`, or None for a type it does not know."""
    try:
        return event_class(type_name).schema_version
    except UnknownMessageType:
        return None


def decode_row(row: Any) -> StoredEvent:
    """Decode one events row, never raising: one bad row must not stop the feed.

    Corrupt JSON or a failing upcast gives an event with `problem` set (loading it into the
    domain then raises `CorruptEvent`). An unknown type, or a version newer than this
    gateway's, is passed on as stored: a newer process may have written it mid-upgrade.
    """
    position, stream_id, version, event_id, type_name, schema_version, data, meta, at = row
    try:
        payload = orjson.loads(data)
        metadata = orjson.loads(meta)
    except orjson.JSONDecodeError as exc:
        problem = f"stored JSON is not valid: {exc}"
        return StoredEvent(
            position, stream_id, version, event_id, type_name, schema_version,
            {"raw": bytes(data).decode("utf-8", "replace")}, {}, at, problem,
        )  # fmt: skip
    current = current_version(type_name)
    if current is not None and schema_version < current:
        try:
            payload = upcast(type_name, schema_version, payload)
        except (UnknownMessageType, LookupError, ValueError, TypeError) as exc:
            problem = f"cannot upcast {type_name} v{schema_version}: {exc}"
            return StoredEvent(
                position, stream_id, version, event_id, type_name, schema_version,
                payload, metadata, at, problem,
            )  # fmt: skip
        schema_version = current
    return StoredEvent(
        position, stream_id, version, event_id, type_name, schema_version, payload, metadata, at
    )


def decode_rows(rows: Iterable[Any]) -> list[StoredEvent]:
    """Decode a page of rows: current-version rows on a fast path, the rest by `decode_row`.

    The fast path is `decode_row` for a row whose JSON parses and whose version is current,
    without a function call and keyword arguments per row.
    """
    decoded: list[StoredEvent] = []
    loads, append, make = orjson.loads, decoded.append, StoredEvent._make
    for row in rows:
        current = current_version(row[4])
        if current is None or row[5] >= current:
            try:
                data, metadata = loads(row[6]), loads(row[7])
            except orjson.JSONDecodeError:
                pass
            else:
                append(make((*row[:6], data, metadata, row[8], None)))
                continue
        append(decode_row(row))
    return decoded


@contextmanager
def collector_paused() -> Iterator[None]:
    """Read and decode a page with the cyclic garbage collector paused.

    Decoding allocates a dict per event and nothing cyclic, yet every few hundred of those
    allocations trigger a collection that walks them all again, and the previous page a
    reader still holds too: pausing it reads a page about twice as fast. The collector runs
    again as soon as the page is decoded.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
