"""While the app serves, full collections run on a timer, not in the middle of requests."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from fastapi import FastAPI

from gateway.api.heap import (
    LEFT_TO_THE_TIMER,
    YOUNG_COLLECTION_EVERY,
    full_collections_on_a_timer,
    timed_full_collections,
)


def test_full_collections_wait_for_the_timer_while_serving_and_resume_after() -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    frozen: list[int] = []

    async def serve() -> None:
        async with timed_full_collections(FastAPI()):
            seen.append(gc.get_threshold())
            frozen.append(gc.get_freeze_count())

    asyncio.run(serve())
    assert seen == [(YOUNG_COLLECTION_EVERY, LEFT_TO_THE_TIMER, LEFT_TO_THE_TIMER)]
    assert frozen[0] > 0  # the start-up heap is left out of full collections
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_without_the_app_full_collections_come_from_the_timer_alone() -> None:
    """`gateway workers` runs the delivery engine inside the same policy, with no app."""
    full: list[float] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            full.append(time.monotonic())

    gc.callbacks.append(seen)
    try:
        with full_collections_on_a_timer(every=0.05):
            full.clear()  # the one on entering
            time.sleep(0.4)
            during = len(full)
        after = len(full)
    finally:
        gc.callbacks.remove(seen)
    assert during >= 3 and after == during  # the timer's, and none once left
    assert gc.get_freeze_count() == 0


def test_objects_that_survive_a_young_collection_wait_for_the_timer() -> None:
    """Runs in flight keep ~100,000 objects alive: a middle-generation collection walked
    them all, the event loop stopped meanwhile. Only young collections run between timers."""
    collected: list[int] = []

    def seen(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop":
            collected.append(info["generation"])

    with full_collections_on_a_timer(every=3600):
        gc.callbacks.append(seen)
        try:
            kept = [[n] for n in range(30 * YOUNG_COLLECTION_EVERY)]  # survivors, as runs are
        finally:
            gc.callbacks.remove(seen)
    assert len(kept) == 30 * YOUNG_COLLECTION_EVERY
    assert collected.count(0) >= 25  # the young generation is collected as it fills
    assert set(collected) == {0}  # and nothing older until the timer
