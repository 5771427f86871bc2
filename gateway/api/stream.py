"""`GET /events/stream`: the feed as Server-Sent Events, from a position, as it grows.

Each event's SSE `id` is its position, so a reconnecting client resumes with `Last-Event-ID`.
A stream waits on the append bell (`gateway.api.append_bell`) instead of polling; it holds one
of a capped number of slots (`gateway.api.stream_slots`) and ends after `http.sse_idle_seconds`
without an event (the client reconnects where it left off).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from gateway.api.access import READERS, bearer_token
from gateway.api.append_bell import AppendBell, rung_within
from gateway.api.deps import GatewayDep
from gateway.api.stream_slots import StreamSlot, StreamSlots
from gateway.store.feed_pages import EncodedCloudEvent, encoded_events
from gateway.store.sql import SqlEventStore

router = APIRouter(tags=["events"], dependencies=READERS)
HEARTBEAT_SECONDS = 15.0
PAGE = 500
MAX_POSITION = 2**63 - 1


@router.get(
    "/events/stream",
    summary="The feed as Server-Sent Events, from a position on",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        503: {"description": "Too many streams open; see Retry-After"},
    },
)
async def stream_events(
    request: Request,
    gateway: GatewayDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="Last position already seen")
    ] = 0,
    last_event_id: Annotated[str | None, Header(description="Resume after this position")] = None,
) -> StreamingResponse:
    resumed = (last_event_id or "").strip()
    if resumed.isascii() and resumed.isdigit() and len(resumed) <= 19:
        after = max(after, min(int(resumed), MAX_POSITION))
    slots: StreamSlots = request.app.state.stream_slots
    slot = slots.take(bearer_token(request) or "local")
    bell: AppendBell = request.app.state.append_bell
    events = server_sent_events(gateway.store, bell, after=after,
                                idle_seconds=gateway.config.http.sse_idle_seconds)  # fmt: skip
    return HeldStream(slot, events, media_type="text/event-stream",
                      headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})  # fmt: skip


class HeldStream(StreamingResponse):
    """A streaming response that gives its slot back however the stream ends."""

    def __init__(self, slot: StreamSlot, content: AsyncIterator[bytes], **options: Any) -> None:
        super().__init__(content, **options)
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


async def server_sent_events(
    store: SqlEventStore, bell: AppendBell, *, after: int, idle_seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[bytes]:  # fmt: skip
    """Events after `after`, then new ones as they are appended; a comment keeps it alive."""
    yield b"retry: 2000\n\n"
    last_event = last_write = clock()
    while True:
        rung = bell.current()  # taken before the read: an append during it still wakes us
        events = await run_in_threadpool(encoded_events, store, after=after, limit=PAGE)
        if events:  # one write a page: a client gone is noticed between pages, not 500 late
            yield b"".join(_event(event) for event in events)
            after = events[-1].position
            last_event = last_write = clock()
            continue
        now = clock()
        if now - last_event >= idle_seconds:
            yield b": idle, closing; reconnect with Last-Event-ID\n\n"
            return
        if now - last_write >= HEARTBEAT_SECONDS:
            yield b": still here\n\n"
            last_write = now
        until_due = min(idle_seconds - (now - last_event), HEARTBEAT_SECONDS - (now - last_write))
        await rung_within(rung, max(0.0, min(bell.fallback_seconds, until_due)))


def _event(event: EncodedCloudEvent) -> bytes:
    """The event's feed bytes as one SSE event; they are compact JSON, but stored bytes edited
    by hand could hold a line break, which would end the `data` line early."""
    body = event.body
    if b"\n" in body or b"\r" in body:
        body = orjson.dumps(orjson.loads(body))
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.position, event.type.encode(), body)
