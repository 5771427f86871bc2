"""The delivery engine: dispatcher, one worker per destination, and the SLA sweeper.

It runs on an asyncio loop in a thread of its own inside `gateway run`, or alone in
`gateway workers`. Database calls go through one thread, HTTP stays on the loop. The loop is
uvloop's where it is installed (it is a dependency on Linux and macOS): its C loop and
transports take about a tenth off the CPU of each delivery (measured, `bench/deliver.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from gateway.delivery.dbthread import DatabaseThread
from gateway.delivery.destination import Destination, DisabledDestination
from gateway.delivery.dispatch import dispatch
from gateway.delivery.sweep import publish_backlog, sweep
from gateway.delivery.upkeep import DeliveriesUpkeep
from gateway.delivery.wakeup import Wakeup, on_local_writes, wait_any
from gateway.store.sql import SqlEventStore

log = logging.getLogger(__name__)
DISPATCH_BATCH = 5000
DB_THREAD = "delivery-db"


class DeliveryEngine:
    def __init__(
        self,
        store: SqlEventStore,
        destinations: Sequence[Destination],
        *,
        disabled: Sequence[DisabledDestination] = (),
        worker_id: str | None = None,
        clock: Callable[[], float] = time.time,
        poll_seconds: float = 0.05,
        sweep_seconds: float = 1.0,
    ) -> None:
        self.store = store
        self.destinations = list(destinations)
        self.disabled = list(disabled)
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.sweep_seconds = sweep_seconds
        self._database = DatabaseThread(DB_THREAD)
        self.upkeep = DeliveriesUpkeep(store)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    # --- running -----------------------------------------------------------------------

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self._database.call(functools.partial(fn, *args, **kwargs))

    async def run(self, stopping: asyncio.Event) -> None:
        """Dispatch, deliver and sweep until `stopping` is set; then finish what is in flight."""
        # The workers' HTTP client (aiohttp, 9 MB resident) loads here, not with the gateway:
        # a process that only imports files or serves the API never needs it.
        from gateway.delivery.worker import DestinationWorker

        workers = [
            DestinationWorker(
                d,
                self.store,
                worker_id=self.worker_id,
                clock=self.clock,
                db=self.db,
                poll_seconds=self.poll_seconds,
            )
            for d in self.destinations
        ]
        wakeups = [Wakeup() for _ in workers]
        for w, wakeup in zip(workers, wakeups, strict=True):
            w.wakeup = wakeup
        appended = Wakeup()
        forget = on_local_writes(self.store.engine, appended, skip_thread=DB_THREAD)
        for w in workers:
            w.on_settled = self.upkeep.note
        self.upkeep.start()
        tasks = [asyncio.create_task(w.run(stopping)) for w in workers]
        tasks.append(asyncio.create_task(self._dispatch_forever(stopping, appended, wakeups)))
        tasks.append(asyncio.create_task(self._sweep_forever(stopping)))
        await stopping.wait()
        forget()
        for wakeup in (appended, *wakeups):
            wakeup.set()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, BaseException):
                log.error("delivery task failed", exc_info=outcome)
        await asyncio.to_thread(self.upkeep.stop)

    async def _dispatch_forever(
        self, stopping: asyncio.Event, appended: Wakeup, workers: Sequence[Wakeup]
    ) -> None:
        """A local append wakes the dispatcher, and new rows its workers; polls cover the rest."""
        while not stopping.is_set():
            created = 0
            try:
                created = await self.db(self.dispatch_once)
                if created:
                    for wakeup in workers:
                        wakeup.set()
                    self.upkeep.note_created(created)  # statistics refreshed off this path
            except Exception:
                log.exception("dispatcher failed; trying again")
            if not created:
                await wait_any(appended, (), timeout=self.poll_seconds)

    def dispatch_once(self) -> int:
        """Move every destination's position on by one batch; returns rows created."""
        created = 0
        for destination in self.destinations:
            created += dispatch(
                self.store, destination.subscription, now=self.clock(), limit=DISPATCH_BATCH
            )
        return created

    async def _sweep_forever(self, stopping: asyncio.Event) -> None:
        slas = {d.name: d.config.sla for d in self.destinations}
        names = [d.name for d in self.destinations]
        while not stopping.is_set():
            try:
                await self.db(sweep, self.store, slas, now=self.clock())
                await self.db(publish_backlog, self.store, names, now=self.clock())
            except Exception:
                log.exception("SLA sweep failed; trying again")
            await _pause(stopping, self.sweep_seconds)

    # --- in a thread of its own (gateway run) -----------------------------------------

    def start(self) -> None:
        for off in self.disabled:
            log.warning("destination %s is disabled: %s", off.name, off.reason)
        if not self.destinations or self._thread is not None:
            return
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="delivery", daemon=True
        )
        self._thread.start()
        ready.wait()

    def _serve(self, ready: threading.Event) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            ready.set()
            await self.run(self._stopping)

        with event_loop() as runner:
            runner.run(main())

    def stop(self, *, timeout: float = 30.0) -> None:
        if self._thread is None or self._loop is None or self._stopping is None:
            self._database.shutdown()
            return
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout)
        self._thread = None
        self._database.shutdown()

    def idle(self) -> bool:
        """Nothing due: every position at the feed's head and no pending delivery due now."""
        with self.store.engine.connect() as conn:
            head = conn.exec_driver_sql("SELECT COALESCE(MAX(position), 0) FROM events").scalar()
            due = conn.exec_driver_sql(
                self.store.sql(
                    "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' "
                    "AND next_attempt_at <= ?"
                ),
                (self.clock(),),
            ).scalar()
            positions: dict[str, int] = dict(
                conn.exec_driver_sql("SELECT destination, position FROM delivery_positions").all()
            )
        behind = [d for d in self.destinations if positions.get(d.name, -1) < int(head or 0)]
        return not due and not behind

    # --- until a condition holds (tests, `gateway workers --once`) -------------------

    def run_until(
        self, done: Callable[[], bool], *, timeout: float, check_every: float = 0.1
    ) -> bool:
        """Run until `done()` (checked on the database thread) holds; False on timeout."""

        async def main() -> bool:
            stopping = asyncio.Event()
            runner = asyncio.create_task(self.run(stopping))
            deadline = time.monotonic() + timeout
            try:
                while time.monotonic() < deadline:
                    if await self.db(done):
                        return True
                    await asyncio.sleep(check_every)
                return False
            finally:
                stopping.set()
                await runner

        with event_loop() as runner:
            return runner.run(main())


def event_loop() -> asyncio.Runner:
    """A runner on uvloop's loop, or asyncio's own where uvloop is missing."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - not on this platform
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
