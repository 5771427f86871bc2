"""The command bus: load a stream's state, decide, and append events with the command record.

A command id seen before is answered from its record and never executed again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from gateway.commands.batches import BatchOutcome, attempt_batch
from gateway.commands.records import (
    Envelope,
    accepted_record,
    count_outcomes,
    forget_rejection,
    new_event,
    rejected_record,
)
from gateway.commands.state_cache import STATE_CACHE_ITEMS, StateCache, StreamState
from gateway.domain.deciders import Decider, decider_for
from gateway.domain.errors import DomainRejection
from gateway.domain.messages import Command, Event, event_class
from gateway.errors import ConcurrencyConflict, CorruptEvent, DuplicateCommand, StoreError
from gateway.store.decoding import current_version, decode_row
from gateway.store.port import CommandRecord, Snapshot, StoredEvent, StreamAppend
from gateway.store.sql import HistoryRow, SqlEventStore
from gateway.store.writes import StoreTransaction
from gateway.tracing import current_traceparent

log = logging.getLogger(__name__)
LOAD_GROUP = 200


def to_domain(stored: StoredEvent) -> Event:
    if stored.problem is not None:
        raise CorruptEvent(stored.position, stored.problem)
    try:
        return event_class(stored.type).model_validate(stored.data)
    except (LookupError, ValueError) as exc:
        raise CorruptEvent(stored.position, f"cannot load {stored.type}: {exc}") from exc


def replayed(row: HistoryRow) -> Event:
    """`to_domain(decode_row(...))` of a history row: the current version validated straight
    from its JSON (no dict between), an older one upcast first; corrupt rows raise alike."""
    position, _, type_name, schema_version, data = row
    current = current_version(type_name)
    if current is None or schema_version < current:
        full = (position, "", 0, "", type_name, schema_version, data, b"{}", "")
        return to_domain(decode_row(full))
    try:
        return event_class(type_name).model_validate_json(data)
    except ValueError as exc:
        raise CorruptEvent(position, f"cannot load {type_name}: {exc}") from exc


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
        self._deciders: dict[type[Command], Decider[Any]] = {}

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
        trace = None if envelope.traceparent else current_traceparent()
        new = [new_event(event, envelope, trace) for event in events]
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
        record_commands: bool = True,
    ) -> BatchOutcome:
        """Decide every new command and commit all their events and records in one transaction.

        `within` writes the caller's own rows (rejects, checkpoints) in that same transaction.
        Commands already recorded are skipped and listed in `already_recorded`. `fingerprints`
        records each accepted command's fingerprint, for callers whose ids may be reused.
        Without `record_commands` no command row is read or written: the caller keeps its
        commands' identities itself (a file import claims them, `gateway.imports.claims`).
        """
        for attempt in range(self.max_attempts):
            try:
                return attempt_batch(
                    self, envelopes, within=within, fresh=attempt > 0, fingerprints=fingerprints,
                    record_commands=record_commands,
                )  # fmt: skip
            except (ConcurrencyConflict, DuplicateCommand) as exc:
                log.info("batch of %d commands raced another writer: %s", len(envelopes), exc)
                self.cache.forget(e.command.stream_id() for e in envelopes)
                self._back_off(attempt)
        raise StoreError(f"batch of {len(envelopes)} commands kept conflicting with other writers")

    def _back_off(self, attempt: int) -> None:
        """Writers that collided wait a random moment, so they do not collide again.

        The window doubles with each attempt (2 ms, 4 ms, ... up to 100 ms): on a busy host a
        linear window stayed shorter than one writer's transaction, and four writers on one
        account could use up every attempt.
        """
        self.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))

    def decider(self, command: Command) -> Decider[Any]:
        """The decider that handles `command` (by its class: a file import asks a million times)."""
        decider = self._deciders.get(type(command))
        if decider is None:
            decider = self._deciders[type(command)] = self._lookup(command)
        return decider

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
        self.keep_state(stream_id, decider, loaded, snapshot_version)
        return loaded

    def load_many(self, stream_ids: list[str], decider: Decider[Any]) -> dict[str, StreamState]:
        """`load` for many streams at once, `LOAD_GROUP` streams to a read.

        A shuffled file's chunk misses the cache for hundreds of accounts; read all at once,
        their events (decoded rows, then models) were a passing peak of some 15 MB.
        """
        loaded: dict[str, StreamState] = {}
        for start in range(0, len(stream_ids), LOAD_GROUP):
            loaded.update(self._load_group(stream_ids[start : start + LOAD_GROUP], decider))
        return loaded

    def _load_group(self, stream_ids: list[str], decider: Decider[Any]) -> dict[str, StreamState]:
        """Streams' states from their snapshots (one query) and the events after (another)."""
        snapshots = self.store.load_snapshots(stream_ids)
        starts: dict[str, tuple[Any, int]] = {
            sid: (decider.initial_state(), 0) for sid in stream_ids
        }
        for stream_id, snapshot in snapshots.items():
            if snapshot.schema_version == decider.snapshot_version:
                starts[stream_id] = (decider.restore(snapshot.state), snapshot.stream_version)
        histories = self.store.read_histories({sid: v for sid, (_, v) in starts.items()})
        loaded: dict[str, StreamState] = {}
        evolve = decider.evolve
        for stream_id, (state, version) in starts.items():
            snapshot_version = version
            for row in histories.get(stream_id, ()):
                state = evolve(state, replayed(row))
                version = row[1]
            loaded[stream_id] = StreamState(version, state, snapshot_version)
            self.keep_state(stream_id, decider, loaded[stream_id], snapshot_version)
        return loaded

    def _remember(
        self, stream_id: str, decider: Decider[Any], current: StreamState, events: Sequence[Event]
    ) -> None:
        state = current.state
        for event in events:
            state = decider.evolve(state, event)
        updated = StreamState(current.version + len(events), state, current.snapshot_version)
        self.keep_state(stream_id, decider, updated, current.snapshot_version)

    def keep_state(
        self, stream_id: str, decider: Decider[Any], entry: StreamState, snapshot_version: int
    ) -> None:
        """Cache `entry`, first saving a snapshot when the stream has gone far enough past one."""
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
