"""What the rest of the gateway may ask of the event store.

Events are NamedTuples: the feed is read, and imports append, hundreds of thousands a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple
from uuid import UUID

JsonDict = dict[str, Any]
CommandStatus = Literal["accepted", "rejected"]


class NewEvent(NamedTuple):
    """An event about to be appended; the store gives it a position and a version."""

    type: str
    data: JsonDict
    schema_version: int = 1
    metadata: Mapping[str, Any] = {}  # shared default: read only, never mutated
    event_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream, valid only if the stream is still at `expected_version`."""

    stream_id: str
    expected_version: int
    events: Sequence[NewEvent]


class StoredEvent(NamedTuple):
    """An event as recorded: `position` is global and gap-free, `stream_version` per stream."""

    position: int
    stream_id: str
    stream_version: int
    event_id: str
    type: str
    schema_version: int
    data: JsonDict
    metadata: JsonDict
    recorded_at: str
    # Set when the row could not be decoded; `data` then holds {"raw": <stored text>}.
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """What became of one command: the idempotency record and the status resource."""

    command_id: str
    type: str
    stream_id: str
    status: CommandStatus
    code: str | None = None
    reason: str | None = None
    first_position: int | None = None
    last_position: int | None = None
    source: str | None = None
    source_ref: str | None = None
    fingerprint: str | None = None
    recorded_at: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A decider's state at `stream_version`, so long streams need not be replayed whole."""

    stream_id: str
    stream_version: int
    schema_version: int
    state: JsonDict
