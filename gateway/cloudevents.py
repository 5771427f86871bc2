"""Stored events rendered as CloudEvents 1.0 JSON objects for the platform's feed.

Extension attributes carry the store's coordinates: `position`, `streamid`, `streamversion`,
and the trace the event belongs to (the distributed-tracing extension's `traceparent`).
The attributes are the ones the store renders into each event's stored head
(`gateway.store.envelopes`), so a decoded event and a spliced one say the same.
"""

from __future__ import annotations

from typing import Any

from gateway.store.envelopes import (
    OPTIONAL_ATTRIBUTES,
    SPEC_VERSION,
    TYPE_PREFIX,
    envelope_attributes,
)
from gateway.store.port import StoredEvent

__all__ = [
    "BATCH_MEDIA_TYPE",
    "EVENT_MEDIA_TYPE",
    "OPTIONAL_ATTRIBUTES",
    "SPEC_VERSION",
    "TYPE_PREFIX",
    "to_cloudevent",
]

BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"
EVENT_MEDIA_TYPE = "application/cloudevents+json"


def to_cloudevent(stored: StoredEvent) -> dict[str, Any]:
    """One event in structured mode; a row that could not be decoded carries `gatewayproblem`."""
    body = envelope_attributes(
        stored.position, stored.stream_id, stored.stream_version, stored.event_id, stored.type,
        stored.schema_version, stored.metadata, stored.recorded_at,
    )  # fmt: skip
    body["data"] = stored.data
    if stored.problem is not None:
        body["gatewayproblem"] = stored.problem
        body["datacontenttype"] = "text/plain"
        body["data"] = stored.data.get("raw", "")
    return body
