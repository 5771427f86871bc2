"""The relay: publishes the store's events in position order, once confirmed moves on.

One relay at a time across gateway processes holds the job lease `broker-relay:<name>`; it
renews the lease before each window and stops publishing before it could expire, so a new
holder (after the lease) never publishes beside the old one. The position moves only past
events the broker confirmed: a crash re-publishes at most the unconfirmed window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.broker.messages import outbound_all
from gateway.broker.port import EventPublisher
from gateway.broker.positions import PublishedPositions
from gateway.broker.report import lease_job
from gateway.errors import BrokerUnavailable, StoreError
from gateway.jobs.leases import JobLeases, Refusal, Ticket
from gateway.metrics import BROKER_LAG_EVENTS, BROKER_PUBLISHED
from gateway.store.feed_pages import encoded_events
from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RelayPolicy:
    """How the relay paces itself; all durations in seconds."""

    window: int = 1000
    idle_wait: float = 0.2
    reconnect_initial: float = 0.5
    reconnect_max: float = 30.0


class BrokerRelay:
    """Follows the global feed from its stored position and publishes it to the broker."""

    def __init__(
        self,
        store: SqlEventStore,
        publisher: EventPublisher,
        leases: JobLeases,
        *,
        name: str,
        policy: RelayPolicy = RelayPolicy(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.leases = leases
        self.name = name
        self.lease_job = lease_job(name)
        self.positions = PublishedPositions(store, clock=clock)
        self.policy = policy
        self.clock = clock
        self.connected = False

    async def run(self, stop: asyncio.Event) -> None:
        """Take the lease when free, relay while holding it, and give it back on stop."""
        while not stop.is_set():
            ticket = await asyncio.to_thread(self._take)
            if ticket is None:
                self._report_lag()
                await self._pause(stop, self.leases.lease_seconds / 3)
                continue
            log.info("broker relay %s active on %s", self.name, ticket.holder)
            try:
                await self._relay(ticket, stop)
            finally:
                await self._disconnect()
                await asyncio.to_thread(self._give_back, ticket)

    def _take(self) -> Ticket | None:
        try:
            taken = self.leases.take(self.lease_job, due_at=self.clock(), trigger="relay")
        except StoreError as exc:
            log.warning("broker relay %s cannot take its lease: %s", self.name, exc)
            return None
        return None if isinstance(taken, Refusal) else taken

    def _give_back(self, ticket: Ticket) -> None:
        try:
            self.leases.finish(ticket, outcome="succeeded", detail="relay stopped")
        except StoreError as exc:
            log.warning("broker relay %s lease not given back: %s", self.name, exc)

    async def _relay(self, ticket: Ticket, stop: asyncio.Event) -> None:
        renewed_at = self.clock()
        backoff = self.policy.reconnect_initial
        while not stop.is_set():
            if self.clock() - renewed_at > self.leases.lease_seconds / 3:
                if not await asyncio.to_thread(self.leases.renew, ticket):
                    log.warning("broker relay %s lost its lease", self.name)
                    return
                renewed_at = self.clock()
            if not self.connected and not await self._connect():
                await self._pause(stop, backoff)
                backoff = min(backoff * 2, self.policy.reconnect_max)
                continue
            published = await self._window(
                ticket, deadline=renewed_at + self.leases.lease_seconds * 2 / 3
            )
            if published is None:
                await self._pause(stop, self.policy.idle_wait)
            elif published:
                backoff = self.policy.reconnect_initial

    async def _window(self, ticket: Ticket, *, deadline: float) -> int | None:
        """Publish the next window; how many it moved past (None: nothing to publish)."""
        since = await asyncio.to_thread(self.positions.read, self.name)
        events = await asyncio.to_thread(encoded_events, self.store, after=since,
                                         limit=self.policy.window)  # fmt: skip
        self._report_lag(since)
        if not events:
            return None
        messages = outbound_all(events)
        try:
            confirmed = await asyncio.wait_for(self.publisher.publish(messages),
                                               max(0.1, deadline - self.clock()))  # fmt: skip
        except (TimeoutError, BrokerUnavailable) as exc:
            log.warning("broker relay %s: publishing failed: %s", self.name, exc)
            confirmed = 0
        if confirmed:
            last = events[confirmed - 1].position
            moved = await asyncio.to_thread(
                self.positions.advance, self.name, since=since, to=last, ticket=ticket
            )
            if moved:
                BROKER_PUBLISHED.inc(confirmed)
        if confirmed < len(messages):
            await self._disconnect()
        return confirmed

    async def _connect(self) -> bool:
        try:
            await self.publisher.connect()
        except BrokerUnavailable as exc:
            log.warning("broker relay %s: broker unavailable: %s", self.name, exc)
            return False
        self.connected = True
        log.info("broker relay %s connected", self.name)
        return True

    async def _disconnect(self) -> None:
        if self.connected:
            self.connected = False
            await self.publisher.close()

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    def _report_lag(self, position: int | None = None) -> None:
        try:
            if position is None:
                position = self.positions.read(self.name)
            BROKER_LAG_EVENTS.set(max(0, self.store.head_position() - position))
        except StoreError:
            pass
