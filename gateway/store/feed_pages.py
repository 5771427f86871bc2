"""The feed as CloudEvents bytes: each row's stored head and data, joined by the database.

Each event's head (its own attributes up to `"data":`) is rendered when it is appended
(`gateway.store.envelopes`). A page is one value the database concatenates, `head || data`
for each row joined by `BETWEEN` (the closing brace of one event, the opening of the next),
checked once as a whole to be JSON (msgspec parses it without building an object) and served
as it is. A page holding a row that needs more is
served row by row, and only those rows are decoded (`decode_row`, then `to_cloudevent`): a row
of an older schema version (upcast), one stored before heads were kept (rendered from its
columns), and one whose bytes are not valid JSON (damaged: served with `gatewayproblem`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec
import orjson

from gateway.cloudevents import to_cloudevent
from gateway.domain.messages import event_types
from gateway.store.decoding import collector_paused, decode_row
from gateway.store.envelopes import BETWEEN, CLOSING, OPENING, TYPE_PREFIX
from gateway.store.sql import SqlEventStore
from gateway.store.writes import EVENT_COLUMNS

_PAGE = "FROM events WHERE position > ? ORDER BY position LIMIT ?"
_AS_ONE_PAGE = msgspec.json.Decoder(list[msgspec.Raw])
_AS_ONE_EVENT = msgspec.json.Decoder(msgspec.Raw)


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
    spliced, params = _spliced_column(store)
    joined = (
        "string_agg(spliced, %s ORDER BY position)"
        if store.is_postgres
        else "CAST(group_concat(spliced, ?) AS BLOB)"  # in the order the subquery gives
    )
    [(last, count, as_stored, body)] = store.fetch(
        f"SELECT max(position), count(*), count(spliced), {joined} FROM "
        f"(SELECT position, {spliced} AS spliced {_PAGE}) AS page",
        (BETWEEN, *params, after, limit),
    )
    if not count:
        return b"[]", after
    if as_stored == count:
        page = b"".join((b"[", OPENING, body, CLOSING, b"]"))
        if _is_json(page, elements=count):
            return page, int(last)
    events = encoded_events(store, after=after, limit=limit)
    return b"[" + b",".join(e.body for e in events) + b"]", events[-1].position


def encoded_events(store: SqlEventStore, *, after: int, limit: int) -> list[EncodedCloudEvent]:
    """`feed_page`'s events one by one: what the broker relay and `/ws` send."""
    spliced, params = _spliced_column(store)
    if not store.is_postgres:
        spliced = f"CAST({spliced} AS BLOB)"
    with collector_paused():
        rows = store.fetch(f"SELECT {EVENT_COLUMNS}, {spliced} {_PAGE}", (*params, after, limit))
        return [_encoded(row) for row in rows]


def _encoded(row: Any) -> EncodedCloudEvent:
    """A row of `EVENT_COLUMNS` and its `head || data` (None: the row must be decoded)."""
    position, stream_id, _, event_id, type_name, schema_version, _, _, at, spliced = row
    if spliced is not None:
        body = b"".join((OPENING, spliced, CLOSING))
        if _is_json(body):
            type_ = f"{TYPE_PREFIX}{type_name}.v{schema_version}"
            return EncodedCloudEvent(position, stream_id, event_id, type_, at, body)
    cloudevent = to_cloudevent(decode_row(tuple(row[:9])))
    return EncodedCloudEvent(position, stream_id, event_id, cloudevent["type"], at,
                             orjson.dumps(cloudevent))  # fmt: skip


def _spliced_column(store: SqlEventStore) -> tuple[str, tuple[Any, ...]]:
    """SQL for a row's `head || data`, or NULL when the row cannot be served as stored: an
    older schema version (upcast on read), or no head (stored before heads were kept: a NULL
    head makes the concatenation NULL)."""
    older = sorted((name, c.schema_version) for name, c in event_types().items()
                   if c.schema_version > 1)  # fmt: skip
    if not older:
        return "envelope || data", ()
    terms = " OR ".join("(type = ? AND schema_version < ?)" for _ in older)
    column = f"CASE WHEN {terms} THEN NULL ELSE envelope || data END"
    return column, tuple(value for pair in older for value in pair)


def _is_json(body: bytes, *, elements: int | None = None) -> bool:
    """Whether `body` is one JSON value (with `elements`: an array of that many) in UTF-8.

    The parser checks the syntax of each value without building it, but not the UTF-8 of
    strings: that is checked apart, and costs nothing on ASCII text.
    """
    try:
        if elements is None:
            _AS_ONE_EVENT.decode(body)
        elif len(_AS_ONE_PAGE.decode(body)) != elements:
            return False  # a damaged row whose bytes hold more than one value
        if not body.isascii():
            body.decode()
    except (msgspec.DecodeError, UnicodeDecodeError):
        return False
    return True
