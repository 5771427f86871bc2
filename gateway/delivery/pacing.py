"""A legacy system's pace held across every gateway process of one database.

The next allowed start is one row of `delivery_pacing`, on the database's clock. A process
books a few start times at once, spaced evenly (no burst) at 97% of the rate, and sends each
within `LATE_SECONDS` (10 ms) of its time, else gives it up (never sent late in a clump).

Why no window of one second on the legacy system's clock holds more than the rate r: a
request arrives there no earlier than its wait here ended and, we allow, at most
`ARRIVAL_JITTER` (20.9 ms) later (the rest of our work, the network, the system's reading);
its wait ended no earlier than its booked time and at most `LATE_SECONDS` after it. So the
arrivals in [t, t + 1) were booked in [t - LATE - JITTER, t + 1), a span of 1/0.97 s, which
holds at most r booked times 1 / (0.97 r) apart. GL's 50/s is paced at 48.5/s. "At most
LATE after it" counts in the uncertainty of where the database's clock stands against this
process's (`DatabaseClock`), and is checked again after the wait, so a loop that wakes late
gives the start up rather than sending it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.delivery.dbclock import now_sql
from gateway.delivery.metrics import PACE_STARTS_GIVEN_UP
from gateway.store.sql import SqlEventStore

Db = Callable[..., Awaitable[Any]]
BOOK_AHEAD_SECONDS = 0.2  # pace booked at most this far ahead, per trip to the database
PACE_SHARE = 0.97
LATE_SECONDS = 0.010  # a start later than this after its booked time is given up
ARRIVAL_JITTER = 1 / PACE_SHARE - 1 - LATE_SECONDS  # 20.9 ms left for the way to the system
CLOCK_RESOLUTION = 0.001  # SQLite's clock reads in whole milliseconds
CLOCK_SAMPLES = 32
MAX_LEAD_SECONDS = 0.1


def book_starts(
    store: SqlEventStore, destination: str, *, count: int, interval: float, lead: float
) -> tuple[float, float]:
    """Book `count` start times `interval` apart, the first no sooner than `lead` from now;
    returns (first start, database now)."""
    now = now_sql(store)
    later = "GREATEST" if store.is_postgres else "MAX"
    with store.transaction() as tx:
        row = tx.connection.exec_driver_sql(
            store.sql(
                f"UPDATE delivery_pacing SET next_at = {later}(next_at, {now} + ?) + ? "
                f"WHERE destination = ? RETURNING next_at, {now}"
            ),
            (lead, count * interval, destination),
        ).one()
    return float(row[0]) - count * interval, float(row[1])


class DatabaseClock:
    """Where the database's clock stands against this process's monotonic clock.

    The database read its clock somewhere within each round trip to it, so this process's
    clock minus the database's lies within (before - read, after - read); the tightest bounds
    over recent round trips place it within the fastest of them.
    """

    def __init__(self) -> None:
        self.samples: deque[tuple[float, float]] = deque(maxlen=CLOCK_SAMPLES)

    def sample(self, *, before: float, read: float, after: float) -> None:
        self.samples.append((before - read - CLOCK_RESOLUTION, after - read))

    def offsets(self) -> tuple[float, float]:
        """(lowest, highest) possible offset; a database time plus the highest is never
        early here, plus the lowest never late."""
        low = max(s[0] for s in self.samples)
        high = min(s[1] for s in self.samples)
        if low > high:  # a clock was set meanwhile: only the latest round trip holds
            latest = self.samples[-1]
            self.samples.clear()
            self.samples.append(latest)
            low, high = latest
        return low, high


class SharedPace:
    """The booked start times of one destination for this process's worker."""

    def __init__(
        self, store: SqlEventStore, destination: str, *, rate: float, db: Db,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:  # fmt: skip
        self.store, self.destination, self.rate, self.db = store, destination, rate, db
        self.monotonic, self.sleep = monotonic, sleep
        self.interval = 1.0 / (rate * PACE_SHARE)
        self.starts: deque[tuple[float, float]] = deque()  # (local time, latest local time)
        self.clock = DatabaseClock()
        self.round_trip = 0.0
        self.waiting = 0  # requests waiting for a start: as many are booked at once
        self.given_up = 0
        self.lock = asyncio.Lock()
        self.given_up_metric = PACE_STARTS_GIVEN_UP.labels(destination)

    async def wait_for_start(self) -> None:
        """Until this request's start time; a start this process wakes up for too late is
        given up and the next one taken."""
        while True:
            self.waiting += 1
            try:
                async with self.lock:
                    at, latest = await self._next_start()
            finally:
                self.waiting -= 1
            delay = at - self.monotonic()
            if delay > 0:
                await self.sleep(delay)
            if self.monotonic() <= latest:
                return
            self._give_up()

    async def _next_start(self) -> tuple[float, float]:
        """The next booked start not already past its tolerance; booking more when none is."""
        while True:
            now = self.monotonic()
            while self.starts and self.starts[0][1] < now:
                self.starts.popleft()
                self._give_up()
            if self.starts:
                return self.starts.popleft()
            await self._book()

    async def _book(self) -> None:
        """Booked a round trip ahead (the last one's, twice), so the answer comes before the
        first start does."""
        count = max(1, min(self.waiting, math.floor(self.rate * BOOK_AHEAD_SECONDS)))
        lead = min(2 * self.round_trip, MAX_LEAD_SECONDS)
        before = self.monotonic()
        first, read = await self.db(
            book_starts, self.store, self.destination, count=count, interval=self.interval,
            lead=lead,
        )  # fmt: skip
        after = self.monotonic()
        self.round_trip = after - before
        self.clock.sample(before=before, read=read, after=after)
        low, high = self.clock.offsets()
        for n in range(count):
            booked = first + n * self.interval
            self.starts.append((booked + high, booked + low + LATE_SECONDS))

    def _give_up(self) -> None:
        self.given_up += 1
        self.given_up_metric.inc()
