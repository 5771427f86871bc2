"""The platform's own events, received as structured-mode CloudEvents, checked for their type.

A CloudEvent's `type` is `bank.<EventType>.v<N>` and its `subject` the stream it belongs to;
older versions are upcast on arrival. Whether it may follow its stream is `ingest`'s question.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from gateway.domain.messages import Event, UnknownMessageType, event_class, upcast
from gateway.errors import InvalidPayload
from gateway.store.port import NewEvent
from gateway.tracing import valid_traceparent

TYPE = re.compile(r"^bank\.([A-Za-z]+)\.v(\d+)$")
ID_NAMESPACE = uuid.UUID("0b7e3c1e-55a2-4f55-8d1f-0c9d4a1f2e77")


@dataclass(frozen=True, slots=True)
class PlatformEvent:
    """A CloudEvent of a registered type, ready to be judged against `stream_id`."""

    command_id: str
    cloudevent_id: str
    source: str
    stream_id: str
    model: Event
    event: NewEvent
    fingerprint: str
    """SHA-256 of type, subject and data: tells a re-send from another event under its id."""


def parse(body: Any, index: int = 0) -> PlatformEvent:
    """Check one structured-mode CloudEvent against the registered event types."""
    where = f"[{index}]"
    if not isinstance(body, dict):
        raise _invalid(where, "a CloudEvent must be a JSON object")
    for attribute in ("specversion", "id", "source", "type", "subject"):
        if not isinstance(body.get(attribute), str) or not body[attribute]:
            raise _invalid(f"{where}.{attribute}", "required string attribute")
    if body["specversion"] != "1.0":
        raise _invalid(f"{where}.specversion", "only CloudEvents 1.0 is accepted")
    model = _validated_model(body, where)
    ce_id, source, subject = body["id"], body["source"], body["subject"]
    command_id = str(uuid.uuid5(ID_NAMESPACE, f"{source}\n{ce_id}"))
    metadata = {"command_id": command_id, "source": "platform", "source_ref": f"{source}#{ce_id}"}
    # The distributed-tracing extension: the event's trace goes on with it (a malformed one
    # is ignored, as the extension's readers may).
    traceparent = valid_traceparent(body.get("traceparent"))
    if traceparent is not None:
        metadata["traceparent"] = traceparent
    data = model.model_dump(mode="json")
    new = NewEvent(model.type_name, data, model.schema_version, metadata, uuid.UUID(command_id))
    return PlatformEvent(command_id, ce_id, source, subject, model, new,
                         payload_fingerprint(model.type_name, subject, data))  # fmt: skip


def payload_fingerprint(type_name: str, subject: str, data: dict[str, Any]) -> str:
    body = orjson.dumps([type_name, subject, data], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


def _validated_model(body: dict[str, Any], where: str) -> Event:
    match = TYPE.match(body["type"])
    if match is None:
        raise _invalid(f"{where}.type", "must look like bank.<EventType>.v<N>")
    name, version = match.group(1), int(match.group(2))
    data = body.get("data")
    if not isinstance(data, dict):
        raise _invalid(f"{where}.data", "must be a JSON object")
    try:
        current = event_class(name).schema_version
        if version < current:
            data = upcast(name, version, data)
        elif version > current:
            raise _invalid(f"{where}.type", f"v{version} is newer than this gateway's v{current}")
        return event_class(name).model_validate(data)
    except UnknownMessageType as exc:
        raise _invalid(f"{where}.type", str(exc)) from None
    except ValidationError as exc:
        errors = [{"field": f"{where}.data." + ".".join(str(p) for p in e["loc"]),
                   "reason": e["msg"]} for e in exc.errors()]  # fmt: skip
        raise InvalidPayload("the event's data does not match its type", errors=errors) from None
    except (LookupError, TypeError, ValueError) as exc:  # an upcaster met data it cannot read
        raise _invalid(f"{where}.data", f"cannot upcast v{version}: {exc!r}") from None


def _invalid(field: str, reason: str) -> InvalidPayload:
    return InvalidPayload(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])
