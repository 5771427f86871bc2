"""A legacy system's limits held across every gateway process of one database.

`max_in_flight`: one row per slot in `delivery_slots`; a process sends only on a slot it
leased (database clock), keeps slots while it uses them, gives back the ones it does not,
and beyond half of them gives some back at each renewal so a second process gets its share.
`rate_limit_per_second`: start times booked on the database's clock (`pacing.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from gateway.delivery.dbclock import now_sql
from gateway.delivery.pacing import SharedPace
from gateway.store.sql import SqlEventStore

Db = Callable[..., Awaitable[Any]]
RETRY_SECONDS = 0.02


def seed_slots(store: SqlEventStore, destination: str, count: int) -> None:
    """Exactly `count` slot rows for the destination (its `max_in_flight`)."""
    with store.transaction() as tx:
        conn = tx.connection
        conn.exec_driver_sql(
            store.sql("DELETE FROM delivery_slots WHERE destination = ? AND slot >= ?"),
            (destination, count),
        )
        conn.exec_driver_sql(
            store.sql(
                "INSERT INTO delivery_slots (destination, slot, holder, expires_at) "
                "VALUES (?, ?, NULL, 0) ON CONFLICT (destination, slot) DO NOTHING"
            ),
            [(destination, n) for n in range(count)],
        )
        conn.exec_driver_sql(
            store.sql(
                "INSERT INTO delivery_pacing (destination, next_at) VALUES (?, 0) "
                "ON CONFLICT (destination) DO NOTHING"
            ),
            (destination,),
        )


def lease_slots(
    store: SqlEventStore, destination: str, *, holder: str, count: int, seconds: float
) -> list[int]:
    """Up to `count` free slots (unheld, or their lease over), leased to `holder`."""
    now = now_sql(store)
    lock = " FOR UPDATE SKIP LOCKED" if store.is_postgres else ""
    with store.transaction() as tx:
        rows = tx.connection.exec_driver_sql(
            store.sql(
                f"UPDATE delivery_slots SET holder = ?, expires_at = {now} + ? "
                "WHERE destination = ? AND slot IN (SELECT slot FROM delivery_slots "
                f"WHERE destination = ? AND (holder IS NULL OR expires_at < {now}) "
                f"ORDER BY slot LIMIT ?{lock}) RETURNING slot"
            ),
            (holder, seconds, destination, destination, count),
        ).fetchall()
    return sorted(int(r[0]) for r in rows)


def renew_slots(
    store: SqlEventStore, destination: str, slots: list[int], *, holder: str, seconds: float
) -> set[int]:
    """Extend the slots `holder` still holds; the ones missing from the answer are lost."""
    if not slots:
        return set()
    now = now_sql(store)
    with store.transaction() as tx:
        rows = tx.connection.exec_driver_sql(
            store.sql(
                f"UPDATE delivery_slots SET expires_at = {now} + ? WHERE destination = ? "
                f"AND holder = ? AND expires_at >= {now} "
                f"AND slot IN ({', '.join('?' * len(slots))}) RETURNING slot"
            ),
            (seconds, destination, holder, *slots),
        ).fetchall()
    return {int(r[0]) for r in rows}


def return_slots(store: SqlEventStore, destination: str, slots: list[int], *, holder: str) -> None:
    if not slots:
        return
    with store.transaction() as tx:
        tx.connection.exec_driver_sql(
            store.sql(
                "UPDATE delivery_slots SET holder = NULL, expires_at = 0 WHERE destination = ? "
                f"AND holder = ? AND slot IN ({', '.join('?' * len(slots))})"
            ),
            (destination, holder, *slots),
        )


class SharedLimits:
    """In-flight slots and paced start times of one destination for this process's worker.

    Slots are held locally while in use and renewed with the worker's leases; `deadline`
    (monotonic) is when the last renewal's lease surely ends: past it, slots are re-leased.
    """

    def __init__(
        self, store: SqlEventStore, destination: str, *, slots: int, rate: float | None,
        holder: str, db: Db, lease_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.store, self.destination, self.holder, self.db = store, destination, holder, db
        self.slots, self.rate, self.lease_seconds = slots, rate, lease_seconds
        self.monotonic = monotonic
        self.held: set[int] = set()
        self.idle: list[int] = []
        self.used_since_renewal: set[int] = set()
        self.deadline = 0.0
        self.next_lease_try = 0.0
        self.give_back = 0
        self.waiters: deque[asyncio.Future[int | None]] = deque()
        self.poll: asyncio.TimerHandle | None = None
        self.leasing = asyncio.Lock()
        self.pace = None if rate is None else SharedPace(
            store, destination, rate=rate, db=db, monotonic=monotonic
        )  # fmt: skip

    async def start(self) -> None:
        await self.db(seed_slots, self.store, self.destination, self.slots)

    def slot(self, *, waiting: int = 1) -> SlotInUse:
        """A leased slot for one request (`async with`), back in this process's pool after."""
        return SlotInUse(self, waiting)

    async def paced(self) -> None:
        """Wait for this request's start time (at once when the destination has no rate)."""
        if self.pace is not None:
            await self.pace.wait_for_start()

    async def available(self) -> int:
        """Slots this process holds, leasing free ones first when it holds none: a process
        without a slot claims no work, so streams never wait on a process that cannot send."""
        self._forget_if_expired()
        if not self.held:  # half at first: a process starting beside it gets the rest
            await self._lease_more(max(1, self.slots // 2))
        return len(self.held)

    async def _give_back(self, slot: int) -> None:
        self.give_back -= 1
        self.held.discard(slot)
        self._poll_later()
        self.next_lease_try = self.monotonic() + RETRY_SECONDS * 5  # another may take it
        with contextlib.suppress(Exception):  # its lease ends by itself otherwise
            await self.db(return_slots, self.store, self.destination, [slot], holder=self.holder)

    async def renew(self) -> None:
        """Extend the slots in use; give back those unused since the last renewal, and,
        holding more than half, the excess as they come free: a process started later gets
        its share, and takes no more than it is left."""
        unused = [s for s in self.idle if s not in self.used_since_renewal]
        self.idle = [s for s in self.idle if s in self.used_since_renewal]
        self.held -= set(unused)
        self.used_since_renewal.clear()
        await self.db(return_slots, self.store, self.destination, unused, holder=self.holder)
        begun = self.monotonic()
        kept = await self.db(
            renew_slots, self.store, self.destination, sorted(self.held), holder=self.holder,
            seconds=self.lease_seconds,
        )  # fmt: skip
        self._keep(kept, until=begun + self.lease_seconds)
        self.give_back = max(0, len(self.held) - math.ceil(self.slots / 2))
        self._poll_later()

    async def close(self) -> None:
        if self.poll is not None:
            self.poll.cancel()
        held, self.held, self.idle = sorted(self.held), set(), []
        await self.db(return_slots, self.store, self.destination, held, holder=self.holder)

    # ---------------------------------------------------------------------------------------

    async def _take(self, waiting: int) -> int:
        """An idle slot at once; else one leased, or handed over by a request that ends."""
        while True:
            self._forget_if_expired()
            if self.idle:
                slot = self.idle.pop()
                self.used_since_renewal.add(slot)
                self._hand_over()  # a lease may have brought more than this one
                return slot
            if not await self._lease_more(waiting):
                handed = await self._wait_for_slot()
                if handed is not None:
                    return handed

    async def _put(self, slot: int) -> None:
        self._forget_if_expired()
        if slot not in self.held:  # lost with its lease: it may be another's now
            self._poll_later()
            return
        if self.give_back > 0:
            await self._give_back(slot)
            return
        self.idle.append(slot)
        self._hand_over()

    def _hand_over(self) -> None:
        """Idle slots go to the requests waiting longest: one wakes per slot, not all."""
        while self.idle and self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                slot = self.idle.pop()
                self.used_since_renewal.add(slot)
                waiter.set_result(slot)

    async def _wait_for_slot(self) -> int | None:
        """A slot handed over, or None when it is time to try leasing one again."""
        waiter: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        self._poll_later()
        try:
            return await waiter
        except asyncio.CancelledError:
            handed = waiter.result() if waiter.done() and not waiter.cancelled() else None
            if handed is not None:  # handed over as the request was cancelled: pass it on
                self.idle.append(handed)
                self._hand_over()
            raise
        finally:
            if waiter in self.waiters:
                self.waiters.remove(waiter)

    def _poll_later(self) -> None:
        """Holding fewer than all slots, the longest waiting request tries to lease one
        every `RETRY_SECONDS`; holding all, requests only wait for one to come back."""
        if self.poll is None and self.waiters and len(self.held) < self.slots:
            self.poll = asyncio.get_running_loop().call_later(RETRY_SECONDS, self._poll_now)

    def _poll_now(self) -> None:
        self.poll = None
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _lease_more(self, waiting: int) -> bool:
        """One trip to the database at a time, and none again for a moment after one found
        no free slot: waiting requests must not poll the database each on its own."""
        if len(self.held) >= self.slots:
            return False
        async with self.leasing:
            if self.idle:
                return True
            wanted = min(max(waiting, 1), self.slots - len(self.held))
            if wanted <= 0 or self.monotonic() < self.next_lease_try:
                return False
            begun = self.monotonic()
            got = await self.db(
                lease_slots, self.store, self.destination, holder=self.holder, count=wanted,
                seconds=self.lease_seconds,
            )  # fmt: skip
            if got:
                if not self.held:
                    self.deadline = begun + self.lease_seconds
                self.held.update(got)
                self.idle.extend(got)
            else:
                self.next_lease_try = self.monotonic() + RETRY_SECONDS * 5
            return bool(got)

    def _forget_if_expired(self) -> None:
        if self.held and self.monotonic() >= self.deadline - 1.0:
            self.held.clear()
            self.idle.clear()  # the lease may be over: those slots may be another's
            self._poll_later()

    def _keep(self, kept: set[int], *, until: float) -> None:
        lost = self.held - kept
        if lost:
            self.held -= lost
            self.idle = [s for s in self.idle if s not in lost]
        self.deadline = until


class SlotInUse:
    """`async with limits.slot()`: a plain class, as the hot path of every request."""

    __slots__ = ("limits", "slot", "waiting")

    def __init__(self, limits: SharedLimits, waiting: int) -> None:
        self.limits, self.waiting, self.slot = limits, waiting, -1

    async def __aenter__(self) -> int:
        self.slot = await self.limits._take(self.waiting)
        return self.slot

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:  # fmt: skip
        await self.limits._put(self.slot)
