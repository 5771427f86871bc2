"""The platform's own events, received as CloudEvents and appended idempotently by their id.

So the platform's services are replayed to legacy systems too: `POST /events` lands here.
A CloudEvent's `type` is `bank.<EventType>.v<N>` and its `subject` the stream it belongs to.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from gateway.domain.messages import UnknownMessageType, event_class, upcast
from gateway.errors import ConcurrencyConflict, DuplicateCommand, InvalidPayload
from gateway.store.port import CommandRecord, NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore

TYPE = re.compile(r"^bank\.([A-Za-z]+)\.v(\d+)$")
ID_NAMESPACE = uuid.UUID("0b7e3c1e-55a2-4f55-8d1f-0c9d4a1f2e77")
RECORD_TYPE = "PlatformEvent"
ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class PlatformEvent:
    """A validated CloudEvent, ready to append to `stream_id`."""

    command_id: str
    cloudevent_id: str
    source: str
    stream_id: str
    event: NewEvent


@dataclass(frozen=True, slots=True)
class Appended:
    id: str
    position: int | None
    duplicate: bool


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
    data = _validated_data(body, where)
    ce_id, source = body["id"], body["source"]
    command_id = str(uuid.uuid5(ID_NAMESPACE, f"{source}\n{ce_id}"))
    metadata = {"command_id": command_id, "source": "platform", "source_ref": f"{source}#{ce_id}"}
    name = TYPE.match(body["type"])
    assert name is not None
    new = NewEvent(name.group(1), data, event_class(name.group(1)).schema_version, metadata,
                   uuid.UUID(command_id))  # fmt: skip
    return PlatformEvent(command_id, ce_id, source, body["subject"], new)


def _validated_data(body: dict[str, Any], where: str) -> dict[str, Any]:
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
        return event_class(name).model_validate(data).model_dump(mode="json")
    except UnknownMessageType as exc:
        raise _invalid(f"{where}.type", str(exc)) from None
    except ValidationError as exc:
        errors = [{"field": f"{where}.data." + ".".join(str(p) for p in e["loc"]),
                   "reason": e["msg"]} for e in exc.errors()]  # fmt: skip
        raise InvalidPayload("the event's data does not match its type", errors=errors) from None


def _invalid(field: str, reason: str) -> InvalidPayload:
    return InvalidPayload(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def append_platform_events(store: SqlEventStore, events: list[PlatformEvent]) -> list[Appended]:
    """Append the events not seen before (by source and id), in one transaction."""
    for _ in range(ATTEMPTS):
        try:
            return _append_once(store, events)
        except (ConcurrencyConflict, DuplicateCommand):
            continue  # another writer moved a stream or took an id first: look again
    raise ConcurrencyConflict(events[0].stream_id, -1)


def _append_once(store: SqlEventStore, events: list[PlatformEvent]) -> list[Appended]:
    known = store.existing_command_ids(e.command_id for e in events)
    fresh: dict[str, PlatformEvent] = {}
    for e in events:
        if e.command_id not in known:
            fresh.setdefault(e.command_id, e)
    by_stream: dict[str, list[PlatformEvent]] = defaultdict(list)
    for e in fresh.values():
        by_stream[e.stream_id].append(e)
    versions = store.stream_versions(by_stream)
    positions: dict[str, int] = {}
    with store.transaction() as tx:
        appends = [StreamAppend(s, versions.get(s, 0), [e.event for e in group])
                   for s, group in by_stream.items()]  # fmt: skip
        for (first, _), group in zip(tx.append(appends), by_stream.values(), strict=True):
            for offset, e in enumerate(group):
                positions[e.command_id] = first + offset
        tx.record_commands([_record(e, positions[e.command_id]) for e in fresh.values()])
    return [
        Appended(e.cloudevent_id, positions.get(e.command_id) or _recorded(store, e.command_id),
                 e.command_id not in positions or _repeat(e, fresh))
        for e in events
    ]  # fmt: skip


def _recorded(store: SqlEventStore, command_id: str) -> int | None:
    record = store.get_command(command_id)
    return None if record is None else record.first_position


def _repeat(event: PlatformEvent, fresh: dict[str, PlatformEvent]) -> bool:
    return fresh.get(event.command_id) is not event


def _record(event: PlatformEvent, position: int) -> CommandRecord:
    return CommandRecord(
        command_id=event.command_id, type=RECORD_TYPE, stream_id=event.stream_id,
        status="accepted", first_position=position, last_position=position,
        source="platform", source_ref=f"{event.source}#{event.cloudevent_id}",
    )  # fmt: skip
