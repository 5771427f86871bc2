"""A token bucket: at most `rate` requests a second to one legacy system, in short bursts.

The only in-memory wait of the delivery engine: it spaces requests, it never holds a retry.
"""

from __future__ import annotations

import asyncio


class RateLimit:
    def __init__(self, rate: float | None, *, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, (rate or 0) / 10)
        self.tokens = self.capacity
        self.updated: float | None = None

    async def acquire(self) -> None:
        if self.rate is None:
            return
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if self.updated is not None:
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return
            await asyncio.sleep((1 - self.tokens) / self.rate)
