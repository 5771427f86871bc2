"""The CloudEvents envelope of a stored event: its attributes, and the head stored beside it.

Each event's head is rendered once, when it is appended, and kept in the `envelope` column: the
event's own attributes up to `"data":`, without the braces and the attributes every event has
alike (`OPENING`). The whole event is `OPENING + head + data + b"}"`; a feed page puts the
constant parts between rows (`BETWEEN`) rather than in each one, so they are neither stored
nor concatenated per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

SPEC_VERSION = "1.0"
TYPE_PREFIX = "bank."
OPENING = b'{"specversion":"%s","datacontenttype":"application/json",' % SPEC_VERSION.encode()
CLOSING = b"}"
BETWEEN = CLOSING + b"," + OPENING
"""What joins one event's `head + data` to the next one's in a feed page."""

OPTIONAL_ATTRIBUTES = (
    ("command_id", "commandid"),
    ("correlation_id", "correlationid"),
    ("source_ref", "sourceref"),
    ("traceparent", "traceparent"),
)
"""Metadata keys carried as extension attributes when present: (metadata key, attribute).

A metadata value of JSON null is left out: CloudEvents treats a null attribute as absent."""


def envelope_attributes(
    position: int, stream_id: str, stream_version: int, event_id: str, type_name: str,
    schema_version: int, metadata: Mapping[str, Any], recorded_at: str,
) -> dict[str, Any]:  # fmt: skip
    """Every attribute of the event's CloudEvent but `data`."""
    return {
        "specversion": SPEC_VERSION,
        "datacontenttype": "application/json",
        **_own_attributes(position, stream_id, stream_version, event_id, type_name,
                          schema_version, metadata, recorded_at),
    }  # fmt: skip


def envelope_head(
    position: int, stream_id: str, stream_version: int, event_id: str, type_name: str,
    schema_version: int, metadata: Mapping[str, Any], recorded_at: str,
) -> bytes:  # fmt: skip
    """The event's stored head: `OPENING + head + data + CLOSING` is its whole CloudEvent."""
    attributes = _own_attributes(position, stream_id, stream_version, event_id, type_name,
                                 schema_version, metadata, recorded_at)  # fmt: skip
    return orjson.dumps(attributes)[1:-1] + b',"data":'


def _own_attributes(
    position: int, stream_id: str, stream_version: int, event_id: str, type_name: str,
    schema_version: int, metadata: Mapping[str, Any], recorded_at: str,
) -> dict[str, Any]:  # fmt: skip
    """The attributes but those in `OPENING`, in the order they are written."""
    attributes: dict[str, Any] = {
        "id": event_id,
        "source": f"/gateway/{metadata.get('source', 'platform')}",
        "type": f"{TYPE_PREFIX}{type_name}.v{schema_version}",
        "subject": stream_id,
        "time": recorded_at,
        "position": position,
        "streamid": stream_id,
        "streamversion": stream_version,
    }
    for key, attribute in OPTIONAL_ATTRIBUTES:
        value = metadata.get(key)
        if value is not None:
            attributes[attribute] = value
    return attributes
