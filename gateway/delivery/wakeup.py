"""Wake-ups of the delivery engine: a local commit or a freed stream starts work at once.

Polling stays, for what other processes write; in-process signals only cut the wait short.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


class Wakeup:
    """An asyncio.Event that any thread may set; the loop's own code sets it directly."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.loop = asyncio.get_running_loop()

    def set(self) -> None:
        self.event.set()

    def set_from_thread(self) -> None:
        # The loop may already be closed when a late commit arrives during shutdown.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.event.set)


def on_local_writes(engine: Engine, wakeup: Wakeup, *, skip_thread: str) -> Callable[[], None]:
    """Set `wakeup` after each write transaction committed by this process's other threads.

    The engine's own database thread (`skip_thread` prefix) is left out: its commits are the
    dispatcher's and workers' own, and waking on them would only spin. Returns the remover.
    """

    def committed(conn: Connection) -> None:
        if not conn.get_execution_options().get("gateway_write"):
            return
        if threading.current_thread().name.startswith(skip_thread):
            return
        wakeup.set_from_thread()

    event.listen(engine, "commit", committed)
    return lambda: event.remove(engine, "commit", committed)


async def wait_any(
    wakeup: Wakeup | None, tasks: Iterable[asyncio.Task[Any]], *, timeout: float
) -> None:
    """Until `wakeup` is set, one of `tasks` finishes, or `timeout` passes; clears `wakeup`."""
    waiting: set[asyncio.Future[Any]] = set(tasks)
    signal = None
    if wakeup is not None:
        if wakeup.event.is_set():
            wakeup.event.clear()
            return
        signal = asyncio.ensure_future(wakeup.event.wait())
        waiting.add(signal)
    if waiting:
        await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    else:
        await asyncio.sleep(timeout)
    if signal is not None:
        signal.cancel()
        wakeup.event.clear()  # type: ignore[union-attr]
