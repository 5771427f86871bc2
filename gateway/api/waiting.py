"""Long polling: read a resource again until it changes or the caller's patience runs out.

Reads run in the thread pool; the wait itself holds no thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
FIRST_INTERVAL = 0.02
LONGEST_INTERVAL = 0.25


async def wait_for_change(
    read: Callable[[], T],
    *,
    changed: Callable[[T], bool],
    wait: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """`read()` until `changed` says so or `wait` seconds have passed; returns the last read."""
    deadline = clock() + wait
    interval = FIRST_INTERVAL
    current = await run_in_threadpool(read)
    while not changed(current) and (left := deadline - clock()) > 0:
        await sleep(min(interval, left))
        interval = min(interval * 2, LONGEST_INTERVAL)
        current = await run_in_threadpool(read)
    return current
