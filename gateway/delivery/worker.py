"""The worker of one destination: claims runs, sends them in order, records every outcome.

Concurrency comes from many streams at once (bounded by `max_in_flight`); one stream's
deliveries go one after another. Outcomes are written in batches, retries as database times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from gateway.delivery import claims
from gateway.delivery.breaker import CircuitBreaker, CircuitState
from gateway.delivery.claims import Claimed, Run
from gateway.delivery.destination import Destination
from gateway.delivery.legacy import Verdict
from gateway.delivery.metrics import (
    CIRCUIT_OPEN,
    DEAD_LETTERED,
    DELIVERY_ATTEMPTS,
    DELIVERY_LATENCY,
)
from gateway.delivery.origin import LegacyOrigin
from gateway.delivery.sending import Attempted, attempt
from gateway.delivery.settle import AttemptRecord, Settlement, settle, snippet
from gateway.delivery.throttle import RateLimit
from gateway.delivery.verdicts import next_state
from gateway.delivery.wakeup import Wakeup, wait_any
from gateway.sla.breaches import Breach
from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)
T = TypeVar("T")
Db = Callable[..., Awaitable[Any]]
LEASE_MARGIN = 1.0
FLUSH_GAP = 0.005
FLUSH_RETRY = 0.5
CIRCUIT_LEVEL = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2,
                 CircuitState.PAUSED: 3}  # fmt: skip


class DestinationWorker:
    def __init__(
        self, destination: Destination, store: SqlEventStore, *, worker_id: str,
        clock: Callable[[], float], db: Db, poll_seconds: float = 0.05,
    ) -> None:  # fmt: skip
        self.destination = destination
        self.config = destination.config
        self.store = store
        self.worker_id = worker_id
        self.clock = clock
        self.db = db
        self.poll_seconds = poll_seconds
        self.breaker = CircuitBreaker(self.config.breaker, clock=clock, on_change=self._circuit)
        self.limit = RateLimit(self.config.rate_limit_per_second)
        self.max_runs = self.config.max_in_flight * 2
        self.runs: set[Run] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.attempts: list[AttemptRecord] = []
        self.settlements: list[Settlement] = []
        self.breaches: list[Breach] = []
        self.circuit_changes: list[tuple[str, float, str]] = []
        self.wakeup: Wakeup | None = None
        self.noted = asyncio.Event()

    async def run(self, stopping: asyncio.Event) -> None:
        self.origin = LegacyOrigin(self.destination.origin)
        self.wakeup = self.wakeup or Wakeup()
        self.in_flight = asyncio.Semaphore(self.config.max_in_flight)
        self.stopping = stopping
        helpers = [asyncio.create_task(self._renew_leases()), asyncio.create_task(self._flush())]
        try:
            while not stopping.is_set():
                await self._fill()
        finally:
            if self.tasks:
                await asyncio.wait(self.tasks)
            for helper in helpers:
                helper.cancel()
            await self._write_outcomes()
            await self.origin.close()

    async def _fill(self) -> None:
        """Claim more runs when there is room; otherwise wait for a run or the next poll."""
        wanted = self._streams_wanted()
        runs: list[Run] = []
        if wanted:
            runs = await self.db(
                claims.claim, self.store, self.destination.name, worker=self.worker_id,
                now=self.clock(), lease_seconds=self.config.lease_seconds, streams=wanted,
                run_length=self.config.run_length, ordered=self.config.ordering == "per_stream",
            )  # fmt: skip
        for run in runs:
            self.runs.add(run)
            task = asyncio.create_task(self._deliver(run))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        if runs and len(runs) == wanted:
            return
        pause = max(self.poll_seconds, min(self.breaker.reopens_in(), 1.0))
        # New rows or a freed stream wake a worker with room at once, not at the next poll.
        wakeup = self.wakeup if wanted and not self.stopping.is_set() else None
        waiting = list(self.tasks) if self.tasks and (runs or not wanted) else []
        if not waiting and wakeup is None:
            await self._sleep(pause)
        else:
            await wait_any(wakeup, waiting, timeout=pause)

    def _streams_wanted(self) -> int:
        if self.breaker.reopens_in() > 0:
            return 0
        if self.breaker.state is not CircuitState.CLOSED:
            return 0 if self.tasks else 1
        room = self.max_runs - len(self.tasks)
        return room if room >= max(1, self.max_runs // 4) else 0

    async def _deliver(self, run: Run) -> None:
        try:
            for index, claimed in enumerate(run.deliveries):
                outcome = await self._send(run, claimed)
                if outcome is None or not outcome.verdict.succeeded:
                    start = index if outcome is None else index + 1
                    self._release(run.deliveries[start:])
                    return
        except Exception:
            log.exception("delivery worker failed on a run of %s", run.stream_id)
            self._release(run.deliveries)
        finally:
            self.runs.discard(run)

    async def _send(self, run: Run, claimed: Claimed) -> Attempted | None:
        """One attempt, unless stopping, the circuit is open, or the lease is about to end."""
        async with self.in_flight:
            await self.limit.acquire()
            margin = self.config.timeout_seconds + LEASE_MARGIN
            if self.stopping.is_set() or self.clock() + margin > run.lease_until:
                return None
            if not self.breaker.allows():
                return None
            try:
                outcome = await attempt(self.destination, self.origin, claimed, self.clock)
            except BaseException:
                self.breaker.release_probe()  # a probe that raised must not hold the slot
                raise
        self._judge_circuit(outcome)
        self._note(claimed, outcome)
        return outcome

    def _judge_circuit(self, outcome: Attempted) -> None:
        """A 4xx answer (CRM's 404 "not yet") means the system is up: only unreachable,
        timed out or 5xx counts against the circuit; our own fault pauses it."""
        if outcome.verdict is Verdict.PAUSE:
            self.breaker.pause(outcome.error or "refused")
            return
        unwell = outcome.verdict is Verdict.TRANSIENT and (
            outcome.status is None or outcome.status >= 500
        )
        self.breaker.record(failed=unwell)

    def _note(self, claimed: Claimed, outcome: Attempted) -> None:
        name = self.destination.name
        settlement = next_state(
            claimed, outcome.verdict, policy=self.destination.policy,
            started_at=outcome.started_at, finished_at=outcome.finished_at,
            deadline_seconds=self.config.sla.deadline_seconds, status=outcome.status,
            error=outcome.error, retry_after=outcome.retry_after,
        )  # fmt: skip
        self.attempts.append(
            AttemptRecord(
                claimed.id, settlement.attempts, outcome.started_at,
                (outcome.finished_at - outcome.started_at) * 1000, outcome.status,
                outcome.verdict.value, outcome.error, snippet(outcome.answer),
            )
        )  # fmt: skip
        self.settlements.append(settlement)
        self.noted.set()
        DELIVERY_ATTEMPTS.labels(name, outcome.verdict.value).inc()
        if settlement.settled == "delivered":
            DELIVERY_LATENCY.labels(name).observe(settlement.latency_seconds or 0.0)
            if settlement.at > claimed.due_at and claimed.breached_at is None:
                self.breaches.append(
                    Breach("delivery", name, str(claimed.id), claimed.due_at, settlement.at)
                )
        elif settlement.settled == "dead":
            DEAD_LETTERED.labels(name).inc()
            log.warning(
                "delivery %d to %s dead-lettered after %d attempts: %s",
                claimed.id, name, settlement.attempts, outcome.error,
            )  # fmt: skip

    def _release(self, deliveries: list[Claimed]) -> None:
        self.settlements.extend(Settlement(d.id, "release") for d in deliveries)
        self.noted.set()

    def _circuit(self, state: CircuitState, reason: str) -> None:
        name = self.destination.name
        CIRCUIT_OPEN.labels(name).set(CIRCUIT_LEVEL[state])
        log.warning("circuit of %s is %s: %s", name, state.value, reason)
        self.circuit_changes.append((state.value, self.clock(), reason))
        self.noted.set()

    async def _flush(self) -> None:
        """Write outcomes as soon as there are some: the next event of a stream waits for them.

        The short gap after each write lets outcomes gather into one transaction under load.
        """
        while True:
            await self.noted.wait()
            self.noted.clear()
            if not await self._write_outcomes():
                self.noted.set()  # kept for the next try, once the database is back
                await asyncio.sleep(FLUSH_RETRY)
            await asyncio.sleep(FLUSH_GAP)

    async def _write_outcomes(self) -> bool:
        """False when the database refused them; they are kept for the next write."""
        if not (self.settlements or self.circuit_changes):
            return True
        attempts, self.attempts = self.attempts, []
        settlements, self.settlements = self.settlements, []
        breaches, self.breaches = self.breaches, []
        changes, self.circuit_changes = self.circuit_changes, []
        try:
            await self.db(
                settle, self.store, worker=self.worker_id, attempts=attempts,
                settlements=settlements, breaches=breaches,
            )  # fmt: skip
            if self.wakeup is not None and any(s.settled != "retry" for s in settlements):
                self.wakeup.set()  # the next deliveries of those streams are heads now
            for state, at, reason in changes:
                await self.db(save_circuit, self.store, self.destination.name, state, at,
                              self.worker_id, reason)  # fmt: skip
        except Exception:  # keep them for the next flush: the leases still guard the rows
            log.exception("could not record delivery outcomes of %s", self.destination.name)
            self.attempts[:0], self.settlements[:0] = attempts, settlements
            self.breaches[:0], self.circuit_changes[:0] = breaches, changes
            return False
        return True

    async def _renew_leases(self) -> None:
        every = self.config.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            now = self.clock()
            held = [d.id for run in self.runs if run.lease_until >= now for d in run.deliveries]
            until = await self.db(
                claims.renew, self.store, held, worker=self.worker_id, now=now,
                lease_seconds=self.config.lease_seconds,
            )  # fmt: skip
            for run in list(self.runs):
                if run.lease_until >= now:
                    run.lease_until = until

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)


def save_circuit(
    store: SqlEventStore, destination: str, state: str, at: float, worker: str, reason: str
) -> None:
    with store.transaction() as tx:
        tx.connection.exec_driver_sql(
            store.sql(
                "INSERT INTO delivery_circuits (destination, state, changed_at, worker, reason) "
                "VALUES (?,?,?,?,?) ON CONFLICT (destination) DO UPDATE SET state = "
                "excluded.state, changed_at = excluded.changed_at, worker = excluded.worker, "
                "reason = excluded.reason"
            ),
            (destination, state, at, worker, reason),
        )
