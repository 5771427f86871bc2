"""The command bus: load a stream's state, decide, and append events with the command record.

A command id seen before is answered from its record and never executed again.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from gateway.domain.deciders import Decider, decider_for
from gateway.domain.errors import DomainRejection
from gateway.domain.messages import Command, Event, event_class
from gateway.errors import ConcurrencyConflict, CorruptEvent, DuplicateCommand, StoreError
from gateway.metrics import COMMANDS, EVENTS_APPENDED
from gateway.state_cache import STATE_CACHE_ITEMS, StateCache, StreamState
from gateway.store.port import CommandRecord, NewEvent, Snapshot, StoredEvent, StreamAppend
from gateway.store.sql import EncodedAppend, EncodedEvent, SqlEventStore, StoreTransaction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A command with where it came from: the legacy source and its own reference."""

    command: Command
    source: str | None = None
    source_ref: str | None = None
    correlation_id: str | None = None


@dataclass(slots=True)
class BatchOutcome:
    """What a batch of commands became: new records, and the ids that were already recorded.

    Accepted commands are kept as command rows (`COMMAND_COLUMNS` order): a file import
    records a million of them, and only counts them; `records` builds the full records.
    """

    already_recorded: list[str] = field(default_factory=list)
    events: int = 0
    accepted_rows: list[tuple[Any, ...]] = field(default_factory=list)
    rejected: list[CommandRecord] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return len(self.accepted_rows)

    @property
    def records(self) -> list[CommandRecord]:
        return [CommandRecord(*row) for row in self.accepted_rows] + self.rejected


# A command still to decide: its envelope, command id and stream; and once decided, the
# stream version it was decided at and its events.
Pending = tuple[Envelope, str, str]
Decided = tuple[Envelope, str, str, int, list[Event]]


def fingerprint(command: Command) -> str:
    """SHA-256 of the command without its id: tells a re-send from a different request."""
    body = command.model_dump_json(exclude={"command_id"})
    return hashlib.sha256(f"{command.type_name}:{body}".encode()).hexdigest()


def to_domain(stored: StoredEvent) -> Event:
    if stored.problem is not None:
        raise CorruptEvent(stored.position, stored.problem)
    try:
        return event_class(stored.type).model_validate(stored.data)
    except (LookupError, ValueError) as exc:
        raise CorruptEvent(stored.position, f"cannot load {stored.type}: {exc}") from exc


class CommandBus:
    """Handles commands one by one (webhooks, API) or in batches (file imports)."""

    def __init__(
        self,
        store: SqlEventStore,
        *,
        snapshot_every: int = 200,
        cache_size: int = 20_000,
        cache_items: int = STATE_CACHE_ITEMS,
        max_attempts: int = 12,
        lookup: Callable[[Command], Decider[Any]] = decider_for,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.sleep = sleep
        self.snapshot_every = snapshot_every
        self.max_attempts = max_attempts
        self.cache = StateCache(cache_size, items=cache_items)
        self._lookup = lookup

    # --- one command -----------------------------------------------------------------------

    def handle(self, envelope: Envelope, *, retry_rejected: bool = False) -> CommandRecord:
        """Execute once; a repeated command id returns the first outcome unchanged."""
        command_id = str(envelope.command.command_id)
        known = self.store.get_command(command_id)
        if known is not None and not (retry_rejected and known.status == "rejected"):
            return known
        for attempt in range(self.max_attempts):
            try:
                return self._attempt(envelope, fresh=attempt > 0, replace=known is not None)
            except ConcurrencyConflict:
                log.info("conflict on %s, deciding again", envelope.command.stream_id())
                self._back_off(attempt)
            except DuplicateCommand:
                record = self.store.get_command(command_id)
                if record is not None:
                    return record
        raise ConcurrencyConflict(envelope.command.stream_id(), -1)

    def _attempt(self, envelope: Envelope, *, fresh: bool, replace: bool) -> CommandRecord:
        command = envelope.command
        stream_id = command.stream_id()
        decider = self._lookup(command)
        current = self.load(stream_id, decider, fresh=fresh)
        try:
            events = decider.decide(current.state, command)
        except DomainRejection as rejection:
            return self._record_rejection(envelope, rejection, replace=replace)
        with self.store.transaction() as tx:
            if replace:
                forget_rejection(tx, str(command.command_id))
            record = self._write(tx, envelope, current.version, events)
        self._remember(stream_id, decider, current, events)
        count_outcomes([record], events=len(events))
        return record

    def _record_rejection(
        self, envelope: Envelope, rejection: DomainRejection, *, replace: bool
    ) -> CommandRecord:
        record = rejected_record(envelope, rejection)
        with self.store.transaction() as tx:
            if replace:
                forget_rejection(tx, record.command_id)
            tx.record_commands([record])
        count_outcomes([record], events=0)
        return self.store.get_command(record.command_id) or record

    def _write(
        self, tx: StoreTransaction, envelope: Envelope, version: int, events: Sequence[Event]
    ) -> CommandRecord:
        stream_id = envelope.command.stream_id()
        new = [new_event(event, envelope) for event in events]
        first, last = tx.append([StreamAppend(stream_id, version, new)])[0] if new else (0, 0)
        record = accepted_record(envelope, first, last)
        tx.record_commands([record])
        return replace(record, recorded_at=tx.recorded_at)

    # --- batches ---------------------------------------------------------------------------

    def handle_batch(
        self,
        envelopes: Sequence[Envelope],
        *,
        within: Callable[[StoreTransaction, BatchOutcome], None] | None = None,
        fingerprints: bool = False,
    ) -> BatchOutcome:
        """Decide every new command and commit all their events and records in one transaction.

        `within` writes the caller's own rows (rejects, checkpoints) in that same transaction.
        Commands already recorded are skipped and listed in `already_recorded`. `fingerprints`
        records each accepted command's fingerprint, for callers whose ids may be reused.
        """
        for attempt in range(self.max_attempts):
            try:
                return self._attempt_batch(
                    envelopes, within=within, fresh=attempt > 0, fingerprints=fingerprints
                )
            except (ConcurrencyConflict, DuplicateCommand) as exc:
                log.info("batch of %d commands raced another writer: %s", len(envelopes), exc)
                self.cache.forget(e.command.stream_id() for e in envelopes)
                self._back_off(attempt)
        raise StoreError(f"batch of {len(envelopes)} commands kept conflicting with other writers")

    def _attempt_batch(
        self,
        envelopes: Sequence[Envelope],
        *,
        within: Callable[[StoreTransaction, BatchOutcome], None] | None,
        fresh: bool,
        fingerprints: bool = False,
    ) -> BatchOutcome:
        outcome = BatchOutcome()
        pending = self._new_commands(envelopes, outcome)
        working = self._working_states(pending, fresh=fresh)
        decided = self._decide_batch(pending, working, outcome)
        with self.store.transaction() as tx:
            self._write_batch(tx, decided, outcome, fingerprints=fingerprints)
            if within is not None:
                within(tx, outcome)
        for stream_id, (decider, loaded, state) in working.items():
            self._store_state(stream_id, decider, state, loaded.snapshot_version)
        count_rows(outcome.accepted_rows, events=outcome.events)
        count_outcomes(outcome.rejected, events=0)
        return outcome

    def _new_commands(self, envelopes: Sequence[Envelope], outcome: BatchOutcome) -> list[Pending]:
        """The commands not recorded yet (nor repeated within the batch), each with its ids."""
        ids = [str(e.command.command_id) for e in envelopes]
        known = self.store.existing_command_ids(ids)
        pending: list[Pending] = []
        for envelope, command_id in zip(envelopes, ids, strict=True):
            if command_id in known:
                outcome.already_recorded.append(command_id)
                continue
            known.add(command_id)
            pending.append((envelope, command_id, envelope.command.stream_id()))
        return pending

    def _working_states(
        self, pending: list[Pending], *, fresh: bool
    ) -> dict[str, tuple[Decider[Any], StreamState, StreamState]]:
        """Each stream's state as loaded and a working copy; uncached streams load together."""
        working: dict[str, tuple[Decider[Any], StreamState, StreamState]] = {}
        missing: dict[str, tuple[Decider[Any], list[str]]] = {}
        seen: set[str] = set()
        for envelope, _, stream_id in pending:
            if stream_id in seen:
                continue
            seen.add(stream_id)
            decider = self._lookup(envelope.command)
            cached = None if fresh else self.cache.get(stream_id)
            if cached is None:
                missing.setdefault(decider.name, (decider, []))[1].append(stream_id)
            else:
                working[stream_id] = (decider, cached, replace(cached))
        for decider, stream_ids in missing.values():
            for stream_id, loaded in self.load_many(stream_ids, decider).items():
                working[stream_id] = (decider, loaded, replace(loaded))
        return working

    def _decide_batch(
        self,
        pending: list[Pending],
        working: dict[str, tuple[Decider[Any], StreamState, StreamState]],
        outcome: BatchOutcome,
    ) -> list[Decided]:
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

    def _write_batch(
        self, tx: StoreTransaction, decided: list[Decided], outcome: BatchOutcome, *,
        fingerprints: bool,
    ) -> None:  # fmt: skip
        """Every event, serialised once from its model, then one command row per command."""
        appends = [
            EncodedAppend(stream_id, version, [encoded_event(e, env, command_id) for e in events])
            for env, command_id, stream_id, version, events in decided
            if events
        ]
        spans = iter(tx.append_encoded(appends))
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
        tx.record_command_rows(outcome.accepted_rows)
        tx.record_commands(outcome.rejected)

    def _back_off(self, attempt: int) -> None:
        """Writers that collided wait a random moment, so they do not collide again.

        The window doubles with each attempt (2 ms, 4 ms, ... up to 100 ms): on a busy host a
        linear window stayed shorter than one writer's transaction, and four writers on one
        account could use up every attempt.
        """
        self.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))

    # --- state -----------------------------------------------------------------------------

    def load(self, stream_id: str, decider: Decider[Any], *, fresh: bool = False) -> StreamState:
        """The stream's state: cached, or a snapshot plus the events after it."""
        if not fresh:
            cached = self.cache.get(stream_id)
            if cached is not None:
                return cached
        state, version = decider.initial_state(), 0
        snapshot = self.store.load_snapshot(stream_id)
        if snapshot is not None and snapshot.schema_version == decider.snapshot_version:
            state, version = decider.restore(snapshot.state), snapshot.stream_version
        snapshot_version = version
        for stored in self.store.read_stream(stream_id, after_version=version):
            state = decider.evolve(state, to_domain(stored))
            version = stored.stream_version
        loaded = StreamState(version, state, snapshot_version)
        self._store_state(stream_id, decider, loaded, snapshot_version)
        return loaded

    def load_many(self, stream_ids: list[str], decider: Decider[Any]) -> dict[str, StreamState]:
        """`load` for many streams at once: snapshots in one query, events in another."""
        snapshots = self.store.load_snapshots(stream_ids)
        starts: dict[str, tuple[Any, int]] = {
            sid: (decider.initial_state(), 0) for sid in stream_ids
        }
        for stream_id, snapshot in snapshots.items():
            if snapshot.schema_version == decider.snapshot_version:
                starts[stream_id] = (decider.restore(snapshot.state), snapshot.stream_version)
        histories = self.store.read_streams(stream_ids)
        loaded: dict[str, StreamState] = {}
        for stream_id, (state, version) in starts.items():
            snapshot_version = version
            for stored in histories.get(stream_id, ()):
                if stored.stream_version > version:
                    state = decider.evolve(state, to_domain(stored))
                    version = stored.stream_version
            loaded[stream_id] = StreamState(version, state, snapshot_version)
            self._store_state(stream_id, decider, loaded[stream_id], snapshot_version)
        return loaded

    def _remember(
        self, stream_id: str, decider: Decider[Any], current: StreamState, events: Sequence[Event]
    ) -> None:
        state = current.state
        for event in events:
            state = decider.evolve(state, event)
        updated = StreamState(current.version + len(events), state, current.snapshot_version)
        self._store_state(stream_id, decider, updated, current.snapshot_version)

    def _store_state(
        self, stream_id: str, decider: Decider[Any], entry: StreamState, snapshot_version: int
    ) -> None:
        if entry.version - snapshot_version >= self.snapshot_every:
            entry.snapshot_version = self._snapshot(stream_id, decider, entry)
        self.cache.put(stream_id, entry, weight=decider.weight(entry.state))

    def _snapshot(self, stream_id: str, decider: Decider[Any], entry: StreamState) -> int:
        snapshot = Snapshot(
            stream_id, entry.version, decider.snapshot_version, decider.snapshot(entry.state)
        )
        try:
            self.store.save_snapshot(snapshot)
        except StoreError as exc:  # a snapshot is an optimisation; the events stay the truth
            log.warning("snapshot of %s at %d not saved: %s", stream_id, entry.version, exc)
            return entry.snapshot_version
        return entry.version


def count_outcomes(records: Sequence[CommandRecord], *, events: int) -> None:
    for (type_name, status), count in Counter((r.type, r.status) for r in records).items():
        COMMANDS.labels(type_name, status).inc(count)
    EVENTS_APPENDED.inc(events)


def count_rows(rows: Sequence[tuple[Any, ...]], *, events: int) -> None:
    """`count_outcomes` for command rows (type at index 1, status at 3)."""
    for (type_name, status), count in Counter((row[1], row[3]) for row in rows).items():
        COMMANDS.labels(type_name, status).inc(count)
    EVENTS_APPENDED.inc(events)


def encoded_event(event: Event, envelope: Envelope, command_id: str) -> EncodedEvent:
    """`new_event` serialised straight from the model: the same JSON, without a dict between."""
    return EncodedEvent(
        event.type_name,
        event.__pydantic_serializer__.to_json(event),
        event.schema_version,
        orjson.dumps(event_metadata(envelope, command_id)),
    )


def event_metadata(envelope: Envelope, command_id: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"command_id": command_id}
    if envelope.correlation_id:
        metadata["correlation_id"] = envelope.correlation_id
    if envelope.source:
        metadata["source"] = envelope.source
    if envelope.source_ref:
        metadata["source_ref"] = envelope.source_ref
    return metadata


def new_event(event: Event, envelope: Envelope) -> NewEvent:
    metadata = event_metadata(envelope, str(envelope.command.command_id))
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
