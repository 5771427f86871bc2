"""Platform events into the store through the domain: `POST /events` and the queue alike.

Each event must be one its source may write, new or a true re-send under its id, and a valid
next event of its stream (`gateway.domain.admission`); a batch is stored whole or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from gateway.commands import CommandBus
from gateway.commands.records import count_outcomes
from gateway.commands.state_cache import StreamState
from gateway.domain.admission import admit, stream_decider
from gateway.domain.deciders import Decider
from gateway.domain.errors import DomainRejection, UnfitEvent
from gateway.errors import (
    ConcurrencyConflict,
    ConflictingEvent,
    DuplicateCommand,
    EventRefused,
    SourceNotAllowed,
)
from gateway.platform.parsing import PlatformEvent, payload_fingerprint
from gateway.platform.writers import SourceGrant
from gateway.store.port import CommandRecord, StreamAppend

log = logging.getLogger(__name__)
RECORD_TYPE = "PlatformEvent"
ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class Appended:
    id: str
    position: int | None
    duplicate: bool


@dataclass(frozen=True, slots=True)
class Known:
    """What the store recorded under a CloudEvent's source and id."""

    fingerprint: str | None
    position: int | None


@dataclass(slots=True)
class StreamPlan:
    """One stream's part of a batch: its state as loaded, and its new events in order."""

    decider: Decider[Any]
    loaded: StreamState
    state: Any
    events: list[PlatformEvent]


class PlatformIngest:
    """Stores the platform's events once each, after the domain has admitted them."""

    def __init__(self, bus: CommandBus) -> None:
        self.bus = bus
        self.store = bus.store

    def append(self, events: Sequence[PlatformEvent], *, grant: SourceGrant) -> list[Appended]:
        """Store the batch's new events in one transaction, or refuse it whole with the reason.

        Raises `SourceNotAllowed` (403), `ConflictingEvent` (409) or `EventRefused` (422).
        """
        _check_sources(events, grant)
        for attempt in range(ATTEMPTS):
            try:
                return self._append_once(events, fresh=attempt > 0)
            except (ConcurrencyConflict, DuplicateCommand) as exc:
                log.info("platform events raced another writer: %s", exc)
                self.bus.cache.forget(e.stream_id for e in events)
        raise ConcurrencyConflict(events[0].stream_id, -1)

    def _append_once(self, events: Sequence[PlatformEvent], *, fresh: bool) -> list[Appended]:
        known = self._known(events)
        fresh_events = _new_events(events, known)
        plans = self._plans(fresh_events, fresh=fresh)
        positions: dict[str, int] = {}
        with self.store.transaction() as tx:
            appends = [StreamAppend(s, p.loaded.version, [e.event for e in p.events])
                       for s, p in plans.items()]  # fmt: skip
            for (first, _), plan in zip(tx.append(appends), plans.values(), strict=True):
                positions.update((e.command_id, first + i) for i, e in enumerate(plan.events))
            tx.record_commands([_record(e, positions[e.command_id]) for e in fresh_events])
        self._remember(plans)
        count_outcomes([_record(e, 0) for e in fresh_events], events=len(fresh_events))
        return _answers(events, positions, known)

    def _known(self, events: Sequence[PlatformEvent]) -> dict[str, Known]:
        """The records of ids already stored, each checked to carry the same payload."""
        known = self._recorded({e.command_id for e in events})
        seen: dict[str, str] = {}
        for index, e in enumerate(events):
            first = seen.setdefault(e.command_id, e.fingerprint)
            record = known.get(e.command_id)
            if first != e.fingerprint or (record is not None and not self._same(record, e)):
                raise ConflictingEvent(
                    f"[{index}]: source {e.source!r} already sent id {e.cloudevent_id!r} "
                    "with another payload", errors=[{"field": f"[{index}].id",
                                                     "reason": "reused for another payload"}],
                )  # fmt: skip
        return known

    def _recorded(self, command_ids: set[str]) -> dict[str, Known]:
        found: dict[str, Known] = {}
        ids = sorted(command_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.store.fetch(
                "SELECT command_id, fingerprint, first_position FROM commands "
                f"WHERE command_id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
            found.update((row[0], Known(row[1], row[2])) for row in rows)
        return found

    def _same(self, known: Known, event: PlatformEvent) -> bool:
        if known.fingerprint is not None:
            return known.fingerprint == event.fingerprint
        if known.position is None:  # recorded before fingerprints, and it stored nothing
            return False
        (stored,) = self.store.read_positions(known.position, known.position)
        return payload_fingerprint(stored.type, stored.stream_id, stored.data) == event.fingerprint

    def _plans(self, events: list[PlatformEvent], *, fresh: bool) -> dict[str, StreamPlan]:
        """Each stream's state, and every new event admitted on it in batch order."""
        plans: dict[str, StreamPlan] = {}
        for index, e in enumerate(events):
            with _judging(index):
                plan = plans.get(e.stream_id)
                if plan is None:
                    decider = stream_decider(e.stream_id, e.model)
                    loaded = self.bus.load(e.stream_id, decider, fresh=fresh)
                    plan = plans[e.stream_id] = StreamPlan(decider, loaded, loaded.state, [])
                plan.state = admit(plan.decider, plan.state, e.model)
            plan.events.append(e)
        return plans

    def _remember(self, plans: dict[str, StreamPlan]) -> None:
        for stream_id, plan in plans.items():
            loaded = plan.loaded
            entry = StreamState(loaded.version + len(plan.events), plan.state,
                                loaded.snapshot_version)  # fmt: skip
            self.bus.keep_state(stream_id, plan.decider, entry, loaded.snapshot_version)


def _check_sources(events: Sequence[PlatformEvent], grant: SourceGrant) -> None:
    for index, e in enumerate(events):
        if not grant.allows(e.source):
            raise SourceNotAllowed(
                f"[{index}].source: {grant.writer} may not write as {e.source!r}",
                errors=[{"field": f"[{index}].source", "reason": "not granted to this writer"}],
            )


def _new_events(events: Sequence[PlatformEvent], known: dict[str, Known]) -> list[PlatformEvent]:
    fresh: dict[str, PlatformEvent] = {}
    for e in events:
        if e.command_id not in known:
            fresh.setdefault(e.command_id, e)
    return list(fresh.values())


@contextmanager
def _judging(index: int) -> Iterator[None]:
    """A domain refusal of the event at `index` becomes `EventRefused` naming it."""
    try:
        yield
    except (DomainRejection, UnfitEvent) as refusal:
        raise EventRefused(
            f"[{index}]: {refusal.code}: {refusal.reason}", code=refusal.code,
            errors=[{"field": f"[{index}]", "reason": f"{refusal.code}: {refusal.reason}"}],
        ) from None  # fmt: skip


def _answers(
    events: Sequence[PlatformEvent], positions: dict[str, int], known: dict[str, Known]
) -> list[Appended]:
    answers: list[Appended] = []
    given: set[str] = set()
    for e in events:
        first = e.command_id in positions and e.command_id not in given
        given.add(e.command_id)
        record = known.get(e.command_id)
        position = positions.get(e.command_id, record.position if record else None)
        answers.append(Appended(e.cloudevent_id, position, not first))
    return answers


def _record(event: PlatformEvent, position: int) -> CommandRecord:
    return CommandRecord(
        command_id=event.command_id, type=RECORD_TYPE, stream_id=event.stream_id,
        status="accepted", first_position=position, last_position=position,
        source="platform", source_ref=f"{event.source}#{event.cloudevent_id}",
        fingerprint=event.fingerprint,
    )  # fmt: skip
