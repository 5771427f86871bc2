"""Per-source protection of the webhook door: a rate limit, in-flight keys, refusal notes.

Both live in this process: with several gateway processes each enforces its own share.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable

from gateway.errors import KeyInFlight, RateLimited


class TokenBucket:
    """`per_second` requests sustained, up to `burst` at once."""

    def __init__(
        self, *, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._tokens = float(burst)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self, source: str) -> None:
        """Spend one token, or raise `RateLimited` saying when the next one is due."""
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.per_second)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            wait = (1 - self._tokens) / self.per_second
        raise RateLimited(
            f"source {source!r} takes {self.per_second:g} requests a second",
            retry_after=max(1, math.ceil(wait)),
        )


class RefusalNotes:
    """When a refusal is worth writing down: once per source and status every `every` seconds.

    A flood of refused calls (a wrong secret, a stranger) then costs no database write each.
    """

    def __init__(self, *, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self._last: dict[tuple[str, int], float] = {}

    def due(self, source: str, status: int) -> bool:
        now = self.clock()
        last = self._last.get((source, status))
        if last is not None and now - last < self.every:
            return False
        self._last[source, status] = now
        return True


class InFlightKeys:
    """Keys being handled now, on the server's event loop: a re-sent message waits for the
    first; an `Idempotency-Key` seen twice at once is refused with 409, as the IETF draft asks."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Event] = {}

    def hold(self, key: str, *, refuse: bool) -> KeyHold:
        return KeyHold(self._running, key, refuse=refuse)


class KeyHold:
    """`async with` one key held; a class, not a generator: every webhook call enters one."""

    __slots__ = ("_done", "_key", "_refuse", "_running")

    def __init__(self, running: dict[str, asyncio.Event], key: str, *, refuse: bool) -> None:
        self._running = running
        self._key = key
        self._refuse = refuse
        self._done = asyncio.Event()

    async def __aenter__(self) -> None:
        while (running := self._running.get(self._key)) is not None:
            if self._refuse:
                raise KeyInFlight("a request with this Idempotency-Key is still in flight")
            await running.wait()
        self._running[self._key] = self._done

    async def __aexit__(self, *_: object) -> None:
        del self._running[self._key]
        self._done.set()
