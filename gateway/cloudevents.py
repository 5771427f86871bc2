"""Stored events rendered as CloudEvents 1.0 JSON objects for the platform's feed.

Extension attributes carry the store's coordinates: `position`, `streamid`, `streamversion`,
and the trace the event belongs to (the distributed-tracing extension's `traceparent`).
"""

from __future__ import annotations

from typing import Any

from gateway.store.port import StoredEvent

SPEC_VERSION = "1.0"
BATCH_MEDIA_TYPE = "application/cloudevents-batch+json"
EVENT_MEDIA_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "bank."


OPTIONAL_ATTRIBUTES = (
    ("command_id", "commandid"),
    ("correlation_id", "correlationid"),
    ("source_ref", "sourceref"),
    ("traceparent", "traceparent"),
)
"""Metadata keys carried as extension attributes when present: (metadata key, attribute)."""


def to_cloudevent(stored: StoredEvent) -> dict[str, Any]:
    """One event in structured mode; a row that could not be decoded carries `gatewayproblem`."""
    meta = stored.metadata
    body: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": stored.event_id,
        "source": f"/gateway/{meta.get('source', 'platform')}",
        "type": f"{TYPE_PREFIX}{stored.type}.v{stored.schema_version}",
        "subject": stored.stream_id,
        "time": stored.recorded_at,
        "datacontenttype": "application/json",
        "position": stored.position,
        "streamid": stored.stream_id,
        "streamversion": stored.stream_version,
        "data": stored.data,
    }
    for key, attribute in OPTIONAL_ATTRIBUTES:
        if key in meta:
            body[attribute] = meta[key]
    if stored.problem is not None:
        body["gatewayproblem"] = stored.problem
        body["datacontenttype"] = "text/plain"
        body["data"] = stored.data.get("raw", "")
    return body
