"""A batch of commands in one transaction: the path of file imports and group commits.

Each new command is decided against its stream's state (the cache misses loaded together),
seeing the events of those before it; all events and command rows then commit at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from gateway.commands.records import (
    Envelope,
    count_outcomes,
    count_rows,
    encoded_event,
    fingerprint,
    rejected_record,
)
from gateway.commands.state_cache import StateCache, StreamState
from gateway.domain.deciders import Decider
from gateway.domain.errors import DomainRejection
from gateway.domain.messages import Command, Event
from gateway.store.port import CommandRecord
from gateway.store.sql import SqlEventStore
from gateway.store.writes import EncodedAppend, StoreTransaction
from gateway.tracing import current_traceparent


@dataclass(slots=True)
class BatchOutcome:
    """What a batch of commands became: new records, and the ids that were already recorded.

    Accepted commands are kept as command rows (`COMMAND_COLUMNS` order): a file import
    records a million of them, and only counts them; `records` builds the full records.
    """

    already_recorded: list[str] = field(default_factory=list)
    events: int = 0
    first_position: int | None = None  # the span of positions the batch appended
    last_position: int | None = None
    accepted_rows: list[tuple[Any, ...]] = field(default_factory=list)
    rejected: list[CommandRecord] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return len(self.accepted_rows)

    @property
    def records(self) -> list[CommandRecord]:
        return [CommandRecord(*row) for row in self.accepted_rows] + self.rejected


class BatchHost(Protocol):
    """What the batch path needs of the bus (`gateway.commands.bus.CommandBus`)."""

    store: SqlEventStore
    cache: StateCache

    def decider(self, command: Command) -> Decider[Any]: ...

    def load_many(self, stream_ids: list[str], decider: Decider[Any]) -> dict[str, StreamState]: ...

    def keep_state(
        self, stream_id: str, decider: Decider[Any], entry: StreamState, snapshot_version: int
    ) -> None: ...


# A command still to decide: its envelope, command id and stream; and once decided, the
# stream version it was decided at and its events.
Pending = tuple[Envelope, str, str]
Decided = tuple[Envelope, str, str, int, list[Event]]
# Each stream's decider, its state as loaded, and the working copy the batch decides on.
Working = dict[str, tuple[Decider[Any], StreamState, StreamState]]


def attempt_batch(
    bus: BatchHost,
    envelopes: Sequence[Envelope],
    *,
    within: Callable[[StoreTransaction, BatchOutcome], None] | None,
    fresh: bool,
    fingerprints: bool = False,
    record_commands: bool = True,
) -> BatchOutcome:
    """One try at the batch (`CommandBus.handle_batch` retries it after a conflict)."""
    outcome = BatchOutcome()
    if record_commands:
        pending = new_commands(bus.store, envelopes, outcome)
    else:
        pending = [(e, str(e.command.command_id), e.command.stream_id()) for e in envelopes]
    working = working_states(bus, pending, fresh=fresh)
    decided = decide_batch(pending, working, outcome)
    with bus.store.transaction() as tx:
        write_batch(tx, decided, outcome, fingerprints=fingerprints, records=record_commands)
        if within is not None:
            within(tx, outcome)
    for stream_id, (decider, loaded, state) in working.items():
        bus.keep_state(stream_id, decider, state, loaded.snapshot_version)
    count_rows(outcome.accepted_rows, events=outcome.events)
    count_outcomes(outcome.rejected, events=0)
    return outcome


def new_commands(
    store: SqlEventStore, envelopes: Sequence[Envelope], outcome: BatchOutcome
) -> list[Pending]:
    """The commands not recorded yet (nor repeated within the batch), each with its ids."""
    ids = [str(e.command.command_id) for e in envelopes]
    known = store.existing_command_ids(ids)
    pending: list[Pending] = []
    for envelope, command_id in zip(envelopes, ids, strict=True):
        if command_id in known:
            outcome.already_recorded.append(command_id)
            continue
        known.add(command_id)
        pending.append((envelope, command_id, envelope.command.stream_id()))
    return pending


def working_states(bus: BatchHost, pending: list[Pending], *, fresh: bool) -> Working:
    """Each stream's state as loaded and a working copy; uncached streams load together."""
    working: Working = {}
    missing: dict[str, tuple[Decider[Any], list[str]]] = {}
    seen: set[str] = set()
    for envelope, _, stream_id in pending:
        if stream_id in seen:
            continue
        seen.add(stream_id)
        decider = bus.decider(envelope.command)
        cached = None if fresh else bus.cache.get(stream_id)
        if cached is None:
            missing.setdefault(decider.name, (decider, []))[1].append(stream_id)
        else:
            working[stream_id] = (decider, cached, replace(cached))
    for decider, stream_ids in missing.values():
        for stream_id, loaded in bus.load_many(stream_ids, decider).items():
            working[stream_id] = (decider, loaded, replace(loaded))
    return working


def decide_batch(pending: list[Pending], working: Working, outcome: BatchOutcome) -> list[Decided]:
    """Decide in order, each command seeing the events of those before it in the batch."""
    decided: list[Decided] = []
    for envelope, command_id, stream_id in pending:
        decider, _, state = working[stream_id]
        try:
            events = decider.decide(state.state, envelope.command)
        except DomainRejection as rejection:
            outcome.rejected.append(rejected_record(envelope, rejection))
            continue
        decided.append((envelope, command_id, stream_id, state.version, events))
        evolve = decider.evolve
        for event in events:
            state.state = evolve(state.state, event)
        state.version += len(events)
    return decided


def write_batch(
    tx: StoreTransaction, decided: list[Decided], outcome: BatchOutcome, *, fingerprints: bool,
    records: bool = True,
) -> None:  # fmt: skip
    """Every event, serialised once from its model, then (with `records`) a row per command."""
    trace = current_traceparent()  # once per batch: the import chunk's span, say
    appends = [
        EncodedAppend(
            stream_id, version, [encoded_event(e, env, command_id, trace) for e in events]
        )
        for env, command_id, stream_id, version, events in decided
        if events
    ]
    all_spans = tx.append_encoded(appends)
    if all_spans:
        outcome.first_position, outcome.last_position = all_spans[0][0], all_spans[-1][1]
    spans = iter(all_spans)
    at = tx.recorded_at
    for envelope, command_id, stream_id, _, events in decided:
        first, last = next(spans) if events else (None, None)
        command = envelope.command
        outcome.accepted_rows.append(
            (command_id, command.type_name, stream_id, "accepted", None, None, first, last,
             envelope.source, envelope.source_ref,
             fingerprint(command) if fingerprints else None, at)
        )  # fmt: skip
        outcome.events += len(events)
    if records:
        tx.record_command_rows(outcome.accepted_rows)
        tx.record_commands(outcome.rejected)
