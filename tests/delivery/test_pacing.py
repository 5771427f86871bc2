"""The pace of one destination, alone with an injected clock: a start is never early, and a
start this process wakes up for too late is given up, not sent in a clump with the next."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from gateway.delivery.pacing import LATE_SECONDS, PACE_SHARE, DatabaseClock, SharedPace


class FakeDatabase:
    """`delivery_pacing` in memory, its clock `skew` ahead of ours, answering `trip` later."""

    def __init__(self, clock: list[float], *, skew: float = 100.0, trip: float = 0.002) -> None:
        self.clock, self.skew, self.trip = clock, skew, trip
        self.next_at = 0.0
        self.booked: list[float] = []  # on our clock

    async def __call__(self, _book: Any, *_: Any, count: int, interval: float, lead: float,
                       **__: Any) -> tuple[float, float]:  # fmt: skip
        self.clock[0] += self.trip / 2
        now = self.clock[0] + self.skew
        first = max(self.next_at, now + lead)
        self.next_at = first + count * interval
        self.booked += [first - self.skew + n * interval for n in range(count)]
        self.clock[0] += self.trip / 2
        return first, now  # database times


def pace_with(clock: list[float], db: FakeDatabase, overshoot: list[float]) -> SharedPace:
    async def sleep(seconds: float) -> None:
        clock[0] += seconds + (overshoot.pop(0) if overshoot else 0.0)

    return SharedPace(None, "gl", rate=50, db=db, monotonic=lambda: clock[0], sleep=sleep)  # type: ignore[arg-type]


def test_starts_are_never_early_and_a_late_wake_up_gives_its_start_up() -> None:
    clock = [1000.0]
    db = FakeDatabase(clock)
    pace = pace_with(clock, db, overshoot=[0.030])  # the first wait ends 30 ms late
    sent: list[float] = []

    async def send(n: int) -> None:
        for _ in range(n):
            await pace.wait_for_start()
            sent.append(clock[0])

    asyncio.run(send(3))
    assert pace.given_up == 1  # the start it woke up 30 ms late for
    assert len(db.booked) == 4
    used = [db.booked[0], *db.booked[2:]]  # the first needed no wait; the second is given up
    for at, start in zip(sent, used, strict=True):
        assert start <= at <= start + LATE_SECONDS  # never early, never later than allowed
    spacing = [b - a for a, b in itertools.pairwise(db.booked)]
    assert min(spacing) >= 1 / (50 * PACE_SHARE) - 1e-9


def test_the_database_clock_is_placed_within_the_fastest_round_trip() -> None:
    clock = DatabaseClock()
    clock.sample(before=10.0, read=1010.0, after=10.050)  # a slow trip: 50 ms of doubt
    clock.sample(before=20.0, read=1020.001, after=20.002)  # a fast one
    low, high = clock.offsets()
    assert high - low == pytest.approx(0.002, abs=0.0011)  # the fast trip and 1 ms resolution
    assert low <= -1000.0 <= high + 0.0011

    clock.sample(before=30.0, read=1130.0, after=30.001)  # the database's clock was set on
    low, high = clock.offsets()
    assert low <= -1100.0 <= high
