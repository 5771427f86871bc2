"""The delivery engine's one thread for database calls, awaited from its event loop.

A queue and a thread, nothing more: `ThreadPoolExecutor.submit` takes a semaphore its worker
releases after every call, and the event loop then waited for the GIL behind that thread
(8% of the loop's time went to `submit` under load, measured).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Call = tuple[Callable[[], Any], "asyncio.Future[Any]"]


class DatabaseThread:
    """Runs each call in turn on one thread named `name`; started on first use."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._calls: queue.SimpleQueue[Call | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    async def call(self, fn: Callable[[], T]) -> T:
        """`fn()` on the thread; cancelling the wait does not stop a call already begun."""
        self._start()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._calls.put((fn, future))
        return await future

    def shutdown(self) -> None:
        """Finish the calls queued, then end the thread."""
        with self._starting:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._calls.put(None)
            thread.join()

    def _start(self) -> None:
        if self._thread is None:
            with self._starting:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                    self._thread.start()

    def _serve(self) -> None:
        while (item := self._calls.get()) is not None:
            fn, future = item
            try:
                result = fn()
            except BaseException as exc:  # as an executor does: the caller gets it
                _hand_back(future, None, exc)
            else:
                _hand_back(future, result, None)


def _hand_back(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
        future.get_loop().call_soon_threadsafe(_settle, future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
