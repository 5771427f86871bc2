"""The worker of one destination: claims runs, sends them in order, records every attempt.

Concurrency comes from many streams at once, within the destination's in-flight slots and
pace shared by every process (`limits.py`); one stream's deliveries go one after another.
Each attempt is recorded as started before it is sent and its outcome after, in batched
transactions; retries are database times. A run whose lease is gone sends nothing more.
While one delivery of a run is on the wire, the start of the next is written ahead, so a
run goes on at once when the answer is a success; any other answer withdraws that start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.delivery import claims
from gateway.delivery.breaker import CircuitBreaker, CircuitState
from gateway.delivery.claims import Claimed, Run
from gateway.delivery.destination import Destination
from gateway.delivery.legacy import Verdict
from gateway.delivery.limits import SharedLimits
from gateway.delivery.metrics import (
    CIRCUIT_OPEN,
    DEAD_LETTERED,
    DELIVERY_ATTEMPTS,
    DELIVERY_LATENCY,
)
from gateway.delivery.origin import LegacyOrigin
from gateway.delivery.sending import Attempted, attempt, prepare
from gateway.delivery.settle import (
    AttemptRecord,
    AttemptStart,
    ClockShift,
    Outcomes,
    Settlement,
    settle,
    snippet,
)
from gateway.delivery.verdicts import next_state
from gateway.delivery.wakeup import Wakeup, wait_any
from gateway.sla.breaches import Breach
from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)
Db = Callable[..., Awaitable[Any]]
LEASE_MARGIN = 1.0
FLUSH_GAP = 0.002
FLUSH_RETRY = 0.5
CIRCUIT_LEVEL = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2,
                 CircuitState.PAUSED: 3}  # fmt: skip
HELD_BACK = (CircuitState.OPEN, CircuitState.PAUSED)


class DestinationWorker:
    def __init__(
        self, destination: Destination, store: SqlEventStore, *, worker_id: str,
        clock: Callable[[], float], db: Db, poll_seconds: float = 0.05,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.destination = destination
        self.config = destination.config
        self.store = store
        self.worker_id = worker_id
        self.clock = clock
        self.monotonic = monotonic
        self.db = db
        self.poll_seconds = poll_seconds
        self.breaker = CircuitBreaker(self.config.breaker, clock=clock, on_change=self._circuit)
        self.circuit_was = CircuitState.CLOSED
        self.limits = SharedLimits(
            store, destination.name, slots=self.config.max_in_flight,
            rate=self.config.rate_limit_per_second, holder=worker_id, db=db,
            lease_seconds=self.config.lease_seconds, monotonic=monotonic,
        )  # fmt: skip
        self.max_runs = self.config.max_in_flight * 2
        self.runs: set[Run] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.waiting_for_slot = 0
        self.outcomes = Outcomes.empty()
        self.started: list[asyncio.Future[None]] = []
        self.ahead: dict[int, tuple[AttemptStart, asyncio.Future[None]]] = {}
        self.circuit_changes: list[tuple[str, float, str]] = []
        self.wakeup: Wakeup | None = None
        self.noted = asyncio.Event()
        self.on_settled: Callable[[int], None] = _nothing  # rows settled, for the table's upkeep
        name = destination.name  # the metrics' children, looked up once: each delivery counts
        self.attempts_by_verdict = {v: DELIVERY_ATTEMPTS.labels(name, v.value) for v in Verdict}
        self.latency = DELIVERY_LATENCY.labels(name)
        self.dead_lettered = DEAD_LETTERED.labels(name)

    async def run(self, stopping: asyncio.Event) -> None:
        self.origin = LegacyOrigin(self.destination.origin)
        self.wakeup = self.wakeup or Wakeup()
        self.stopping = stopping
        await self.limits.start()
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
            with contextlib.suppress(Exception):
                await self.limits.close()

    async def _fill(self) -> None:
        """Claim more runs when there is room; otherwise wait for a run or the next poll."""
        wanted = self._streams_wanted()
        if wanted:
            wanted = min(wanted, 2 * await self._slots_held())
        runs: list[Run] = []
        if wanted:
            begun = self.monotonic()
            try:
                runs = await self.db(self._claim, now=self.clock(), streams=wanted)
            except Exception:
                log.exception("could not claim deliveries of %s", self.destination.name)
            for run in runs:
                run.deadline = begun + self.config.lease_seconds
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

    def _claim(self, *, now: float, streams: int) -> list[Run]:
        """On the database's thread: the runs (their requests are rendered by `_render`)."""
        return claims.claim(
            self.store, self.destination.name, worker=self.worker_id, now=now,
            lease_seconds=self.config.lease_seconds, streams=streams,
            run_length=self.config.run_length, ordered=self.config.ordering == "per_stream",
            start_first=True,
        )  # fmt: skip

    def _render(self, run: Run) -> None:
        """On the database's thread, a run at a time: each delivery's request, so the event
        loop only sends, and the writes queued meanwhile wait for one run, not a whole claim
        (thousands of deliveries: up to 100 ms, measured, with every run's next start behind
        it)."""
        for claimed in run.deliveries:
            claimed.prepared = prepare(self.destination, claimed)

    async def _slots_held(self) -> int:
        try:
            held: int = await self.limits.available()
        except Exception:
            log.exception("could not lease in-flight slots of %s", self.destination.name)
            return 0
        return held

    def _streams_wanted(self) -> int:
        if self.breaker.reopens_in() > 0:
            return 0
        if self.breaker.state is not CircuitState.CLOSED:
            return 0 if self.tasks else 1
        room = self.max_runs - len(self.tasks)
        return room if room >= max(1, self.max_runs // 4) else 0

    async def _deliver(self, run: Run) -> None:
        try:
            await self.db(self._render, run)
            for claimed in run.deliveries:
                outcome = await self._send(run, claimed)
                if outcome is None:
                    break
                run.next_index += 1
                if not outcome.verdict.succeeded:
                    break
        except Exception:
            log.exception("delivery worker failed on a run of %s", run.stream_id)
        finally:
            self._release(run.unsent())
            self.runs.discard(run)

    def _may_send(self, run: Run) -> bool:
        """Not while stopping, nor on a lease that is gone or may end before the answer."""
        margin = self.config.timeout_seconds + LEASE_MARGIN
        return not (self.stopping.is_set() or run.lost or self.monotonic() + margin > run.deadline)

    async def _send(self, run: Run, claimed: Claimed) -> Attempted | None:
        """One attempt, if the circuit allows: recorded as started (committed) first, then
        sent on a slot of the destination at its pace. A slot is held for the request alone,
        not while its start is written, so the slots stay busy with requests."""
        ahead = self.ahead.pop(claimed.id, None)
        if ahead is not None:
            start = ahead[0]
        else:
            start = AttemptStart(claimed.id, claimed.attempts + 1,
                                 claimed.started_at or self.clock())  # fmt: skip
        if not (self._may_send(run) and self.breaker.allows()):
            if ahead is not None or claimed.started_at is not None:  # recorded: taken back
                self._withdraw(start)
            return None
        probe = self.breaker.state is CircuitState.HALF_OPEN
        outcome: Attempted | None = None
        try:
            if ahead is not None:
                await ahead[1]  # written while the one before was on the wire: done by now
            elif claimed.started_at is None:
                await self._record_start(start)
            if not probe:
                self._start_next_ahead(run)
            outcome = await self._on_a_slot(run, claimed, start, probe=probe)
        finally:
            if outcome is None:  # nothing sent, or it raised: the probe is free again
                self.breaker.release_probe()
        if outcome is None:
            return None
        self._judge_circuit(outcome)
        self._note(claimed, outcome)
        return outcome

    async def _on_a_slot(
        self, run: Run, claimed: Claimed, start: AttemptStart, *, probe: bool
    ) -> Attempted | None:
        """The request on a slot, paced; None if the lease, the circuit or a stop said no
        meanwhile: its start is then withdrawn, as it was never sent."""
        sending = False
        self.waiting_for_slot += 1
        entered = False
        try:
            async with self.limits.slot(waiting=self.waiting_for_slot):
                self.waiting_for_slot -= 1
                entered = True
                if not self._still_may_send(run, probe=probe):
                    return None
                await self.limits.paced()
                if not self._still_may_send(run, probe=probe):
                    return None
                sending = True
                return await attempt(self.destination, self.origin, claimed, self.clock)
        finally:
            if not entered:
                self.waiting_for_slot -= 1
            if not sending:
                self._withdraw(start)

    def _start_next_ahead(self, run: Run) -> None:
        """The start of the run's next delivery, noted now to be written while this one is
        sent (`_send` withdraws it unless that one succeeded and the run goes on)."""
        following = run.next_index + 1
        if following >= len(run.deliveries) or not self._may_send(run):
            return
        nxt = run.deliveries[following]
        start = AttemptStart(nxt.id, nxt.attempts + 1, self.clock())
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.outcomes.starts.append(start)
        self.started.append(done)
        self.ahead[nxt.id] = (start, done)
        self.noted.set()

    def _withdraw(self, start: AttemptStart) -> None:
        """A start recorded but never sent: dropped if not yet written, else taken back."""
        pending = self.outcomes.starts
        for index, noted in enumerate(pending):
            if noted is start:
                del pending[index]
                return
        self.outcomes.withdrawn.append(start)
        self.noted.set()

    def _still_may_send(self, run: Run, *, probe: bool) -> bool:
        """As `_may_send`, and the circuit as it was when the attempt was let through."""
        wanted = CircuitState.HALF_OPEN if probe else CircuitState.CLOSED
        return self._may_send(run) and self.breaker.state is wanted

    async def _record_start(self, start: AttemptStart) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.outcomes.starts.append(start)
        self.started.append(done)
        self.noted.set()
        await done

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
        self.outcomes.attempts.append(
            AttemptRecord(
                claimed.id, settlement.attempts, outcome.started_at,
                (outcome.finished_at - outcome.started_at) * 1000, outcome.status,
                outcome.verdict.value, outcome.error,
                snippet(outcome.answer, truncated=outcome.truncated),
            )
        )  # fmt: skip
        self.outcomes.settlements.append(settlement)
        self.noted.set()
        self.attempts_by_verdict[outcome.verdict].inc()
        if settlement.settled == "delivered":
            self.latency.observe(settlement.latency_seconds or 0.0)
            if settlement.at > claimed.due_at and claimed.breached_at is None:
                self.outcomes.breaches.append(
                    Breach("delivery", name, str(claimed.id), claimed.due_at, settlement.at)
                )
        elif settlement.settled == "dead":
            self.dead_lettered.inc()
            log.warning(
                "delivery %d to %s dead-lettered after %d attempts: %s",
                claimed.id, name, settlement.attempts, settlement.last_error,
            )  # fmt: skip

    def _release(self, deliveries: list[Claimed]) -> None:
        for claimed in deliveries:
            ahead = self.ahead.pop(claimed.id, None)
            if ahead is not None:
                start, done = ahead
                if done.done() and not done.cancelled() and done.exception() is not None:
                    continue  # its write failed: nothing of it was recorded
                self._withdraw(start)
        if deliveries:
            self.outcomes.settlements.extend(Settlement(d.id, "release") for d in deliveries)
            self.noted.set()

    def _circuit(self, state: CircuitState, reason: str) -> None:
        name = self.destination.name
        now = self.clock()
        if self.circuit_was in HELD_BACK and state not in HELD_BACK:
            self._stop_the_clock(since=self.breaker.opened_at, seconds=now - self.breaker.opened_at)
        self.circuit_was = state
        CIRCUIT_OPEN.labels(name).set(CIRCUIT_LEVEL[state])
        log.warning("circuit of %s is %s: %s", name, state.value, reason)
        self.circuit_changes.append((state.value, now, reason))
        self.noted.set()

    def _stop_the_clock(self, *, since: float, seconds: float) -> None:
        """Time with the circuit open does not count towards `stop_after_seconds`: moved on
        in the database for every pending delivery, and in the runs held here."""
        self.outcomes.shifts.append(ClockShift(self.destination.name, since, seconds))
        for run in self.runs:
            for claimed in run.unsent():
                if claimed.run_started_at is not None and claimed.run_started_at < since:
                    claimed.run_started_at += seconds

    async def _flush(self) -> None:
        """Write as soon as there is something: a send waits for its start to be recorded.

        The short gap after each write lets what is noted meanwhile share one transaction.
        """
        while True:
            await self.noted.wait()
            self.noted.clear()
            if not await self._write_outcomes():
                self.noted.set()  # kept for the next try, once the database is back
                await asyncio.sleep(FLUSH_RETRY)
            await asyncio.sleep(FLUSH_GAP)

    async def _write_outcomes(self) -> bool:
        """False when the database refused them; outcomes are kept for the next write, the
        attempts not yet started are abandoned (their runs give their leases back)."""
        if not (self.outcomes or self.circuit_changes):
            return True
        batch, self.outcomes = self.outcomes, Outcomes.empty()
        started, self.started = self.started, []
        changes, self.circuit_changes = self.circuit_changes, []
        try:
            await self.db(settle, self.store, worker=self.worker_id, outcomes=batch)
            for state, at, reason in changes:
                await self.db(save_circuit, self.store, self.destination.name, state, at,
                              self.worker_id, reason)  # fmt: skip
        except Exception as exc:
            log.exception("could not record delivery outcomes of %s", self.destination.name)
            batch.starts.clear()
            batch.put_back(self.outcomes)
            self.circuit_changes[:0] = changes
            for waiter in started:
                if not waiter.done():
                    waiter.set_exception(exc)
                    waiter.exception()  # a start written ahead may have nobody awaiting it
            return False
        for waiter in started:
            if not waiter.done():
                waiter.set_result(None)
        self.on_settled(len(batch.settlements))
        if self.wakeup is not None and any(s.settled != "retry" for s in batch.settlements):
            self.wakeup.set()  # the next deliveries of those streams are heads now
        return True

    async def _renew_leases(self) -> None:
        """Every third of a lease; one failure (the database away) never ends the renewals:
        runs whose leases then run out stop sending by their deadline."""
        every = self.config.lease_seconds / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self._renew_once()
            except Exception:
                log.exception("could not renew the leases of %s", self.destination.name)

    async def _renew_once(self) -> None:
        runs = [run for run in self.runs if not run.lost]
        held = [d.id for run in runs for d in run.unsent()]
        begun = self.monotonic()
        renewed: set[int] = set()
        if held:
            renewed = await self.db(
                claims.renew, self.store, held, worker=self.worker_id,
                lease_seconds=self.config.lease_seconds,
            )  # fmt: skip
        for run in runs:
            if all(d.id in renewed for d in run.unsent()):
                run.deadline = begun + self.config.lease_seconds
            else:
                run.lost = True
                log.warning("lease of a run of %s on %s is gone: it stops sending",
                            run.stream_id, self.destination.name)  # fmt: skip
        await self.limits.renew()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)


def _nothing(_: int) -> None:
    pass


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
