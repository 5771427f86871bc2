"""While the app serves, full collections run on a timer, not in the middle of requests."""

from __future__ import annotations

import asyncio
import gc

from fastapi import FastAPI

from gateway.api.heap import (
    NO_AUTOMATIC_FULL_COLLECTIONS,
    YOUNG_COLLECTION_EVERY,
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
    assert seen == [(YOUNG_COLLECTION_EVERY, before[1], NO_AUTOMATIC_FULL_COLLECTIONS)]
    assert frozen[0] > 0  # the start-up heap is left out of full collections
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
