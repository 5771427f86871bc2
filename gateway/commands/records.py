"""What a command leaves behind: its record, its events as rows, and the metrics it counts.

Shared by the bus's one-command path and its batch path (`gateway.commands.batches`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

from gateway.domain.errors import DomainRejection
from gateway.domain.messages import Command, Event
from gateway.metrics import COMMANDS, EVENTS_APPENDED
from gateway.store.port import CommandRecord, NewEvent
from gateway.store.writes import EncodedEvent, StoreTransaction


class Envelope(NamedTuple):
    """A command with where it came from: the legacy source and its own reference.

    `traceparent` is the W3C trace context of the input (a webhook's span); without one,
    its events take that of the span that writes them (an import's chunk). A tuple: a file
    import makes one a record, and a frozen dataclass costs three times as much to build.
    """

    command: Command
    source: str | None = None
    source_ref: str | None = None
    correlation_id: str | None = None
    traceparent: str | None = None


def fingerprint(command: Command) -> str:
    """SHA-256 of the command without its id: tells a re-send from a different request."""
    body = command.model_dump_json(exclude={"command_id"})
    return hashlib.sha256(f"{command.type_name}:{body}".encode()).hexdigest()


def count_outcomes(records: Sequence[CommandRecord], *, events: int) -> None:
    for (type_name, status), count in Counter((r.type, r.status) for r in records).items():
        COMMANDS.labels(type_name, status).inc(count)
    EVENTS_APPENDED.inc(events)


def count_rows(rows: Sequence[tuple[Any, ...]], *, events: int) -> None:
    """`count_outcomes` for command rows (type at index 1, status at 3)."""
    for (type_name, status), count in Counter((row[1], row[3]) for row in rows).items():
        COMMANDS.labels(type_name, status).inc(count)
    EVENTS_APPENDED.inc(events)


def encoded_event(
    event: Event, envelope: Envelope, command_id: str, trace: str | None = None
) -> EncodedEvent:
    """`new_event` serialised straight from the model: the same JSON, without a dict between."""
    metadata = event_metadata(envelope, command_id, trace)
    return EncodedEvent(
        event.type_name,
        event.__pydantic_serializer__.to_json(event),
        event.schema_version,
        orjson.dumps(metadata),
        metadata,
    )


def event_metadata(envelope: Envelope, command_id: str, trace: str | None = None) -> dict[str, Any]:
    """What an event keeps of its input; `trace` is the writing span's, if the input has none."""
    metadata: dict[str, Any] = {"command_id": command_id}
    if envelope.correlation_id:
        metadata["correlation_id"] = envelope.correlation_id
    if envelope.source:
        metadata["source"] = envelope.source
    if envelope.source_ref:
        metadata["source_ref"] = envelope.source_ref
    traceparent = envelope.traceparent or trace
    if traceparent:
        metadata["traceparent"] = traceparent
    return metadata


def new_event(event: Event, envelope: Envelope, trace: str | None = None) -> NewEvent:
    metadata = event_metadata(envelope, str(envelope.command.command_id), trace)
    return NewEvent(
        type=event.type_name,
        data=event.model_dump(mode="json"),
        schema_version=event.schema_version,
        metadata=metadata,
    )


def accepted_record(
    envelope: Envelope, first: int, last: int, *, with_fingerprint: bool = True
) -> CommandRecord:
    command = envelope.command
    return CommandRecord(
        command_id=str(command.command_id),
        type=command.type_name,
        stream_id=command.stream_id(),
        status="accepted",
        first_position=first or None,
        last_position=last or None,
        source=envelope.source,
        source_ref=envelope.source_ref,
        fingerprint=fingerprint(command) if with_fingerprint else None,
    )


def rejected_record(envelope: Envelope, rejection: DomainRejection) -> CommandRecord:
    command = envelope.command
    return CommandRecord(
        command_id=str(command.command_id),
        type=command.type_name,
        stream_id=command.stream_id(),
        status="rejected",
        code=rejection.code,
        reason=rejection.reason,
        source=envelope.source,
        source_ref=envelope.source_ref,
        fingerprint=fingerprint(command),
    )


def forget_rejection(tx: StoreTransaction, command_id: str) -> None:
    """A rejected command asked to run again (after its cause was fixed) gets a new record."""
    tx.connection.exec_driver_sql(
        tx.store.sql("DELETE FROM commands WHERE command_id = ? AND status = 'rejected'"),
        (command_id,),
    )
