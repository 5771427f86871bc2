"""The engine's database thread: calls run in turn on it, their results and errors reach the
awaiting coroutine, and a wait cancelled meanwhile leaves the thread serving."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from gateway.delivery.dbthread import DatabaseThread


def test_calls_run_in_turn_on_the_named_thread_and_hand_back_results_and_errors() -> None:
    database = DatabaseThread("delivery-db-test")
    ran: list[tuple[int, str]] = []

    def work(n: int) -> int:
        ran.append((n, threading.current_thread().name))
        if n == 3:
            raise LookupError("no such row")
        return n * 10

    async def main() -> list[object]:
        return await asyncio.gather(
            *(database.call(lambda n=n: work(n)) for n in range(5)), return_exceptions=True
        )

    answers = asyncio.run(main())
    database.shutdown()
    assert answers[:3] == [0, 10, 20] and answers[4] == 40
    assert isinstance(answers[3], LookupError)
    assert ran == [(n, "delivery-db-test") for n in range(5)]


def test_a_cancelled_wait_leaves_the_thread_serving() -> None:
    database = DatabaseThread("delivery-db-test")

    async def main() -> str:
        slow = asyncio.ensure_future(database.call(lambda: time.sleep(0.2)))
        await asyncio.sleep(0.05)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        return await database.call(lambda: "still here")

    assert asyncio.run(main()) == "still here"
    database.shutdown()
