"""A bell that rings after every write this process commits: SSE streams wait on it.

Streams then read the store when something was appended, not five times a second. Appends by
other gateway processes (scale-out on PostgreSQL) ring no bell here, so a waiting stream still
looks every `fallback_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

FALLBACK_SECONDS = 2.0


class AppendBell:
    """Each ring sets the current `asyncio.Event` and starts a new one for the next waiters."""

    def __init__(self, engine: Engine, *, fallback_seconds: float = FALLBACK_SECONDS) -> None:
        self.engine = engine
        self.fallback_seconds = fallback_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def current(self) -> asyncio.Event:
        """The event the next ring sets: take it *before* reading, then wait on it."""
        if self._event is None:
            self._loop = asyncio.get_running_loop()
            self._event = asyncio.Event()
            event.listen(self.engine, "commit", self._committed)
        return self._event

    def close(self) -> None:
        if self._event is not None and event.contains(self.engine, "commit", self._committed):
            event.remove(self.engine, "commit", self._committed)

    def _committed(self, conn: Connection) -> None:
        if conn.get_execution_options().get("gateway_write") and self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
                self._loop.call_soon_threadsafe(self._ring)

    def _ring(self) -> None:
        rung, self._event = self._event, asyncio.Event()
        if rung is not None:
            rung.set()


async def rung_within(bell: asyncio.Event, seconds: float) -> bool:
    """Wait for `bell` up to `seconds`; whether it rang."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(bell.wait(), seconds)
        return True
    return False
