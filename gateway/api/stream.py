"""`GET /events/stream`: the feed as Server-Sent Events, from a position, as it grows.

Each event's SSE `id` is its position, so a reconnecting client resumes with `Last-Event-ID`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from gateway.api.access import READERS
from gateway.cloudevents import to_cloudevent
from gateway.store.sql import SqlEventStore

router = APIRouter(tags=["events"], dependencies=READERS)
POLL_SECONDS = 0.2
HEARTBEAT_SECONDS = 15.0
PAGE = 500


@router.get(
    "/events/stream",
    summary="The feed as Server-Sent Events, from a position on",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_events(
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Last position already seen")] = 0,
    last_event_id: Annotated[str | None, Header(description="Resume after this position")] = None,
) -> StreamingResponse:
    if last_event_id is not None and last_event_id.strip().isdigit():
        after = max(after, min(int(last_event_id), 2**63 - 1))
    store: SqlEventStore = request.app.state.gateway.store
    return StreamingResponse(
        server_sent_events(store, after=after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def server_sent_events(store: SqlEventStore, *, after: int) -> AsyncIterator[bytes]:
    """Events after `after`, then new ones as they are appended; a comment keeps it alive."""
    yield b"retry: 2000\n\n"
    quiet = 0.0
    while True:
        events = await run_in_threadpool(store.read_all, after=after, limit=PAGE)
        for event in events:
            cloudevent = to_cloudevent(event)
            data = orjson.dumps(cloudevent).decode()
            yield f"id: {event.position}\nevent: {cloudevent['type']}\ndata: {data}\n\n".encode()
            after = event.position
        if events:
            quiet = 0.0
            continue
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS
        if quiet >= HEARTBEAT_SECONDS:
            quiet = 0.0
            yield b": still here\n\n"
