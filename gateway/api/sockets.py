"""`/ws`: the feed and command statuses pushed over a WebSocket, with the feed's own tokens.

The client sends JSON requests: `{"op": "feed", "after": N}` (every event after position N,
then each one as it is appended; after a disconnect it asks again from its last position) and
`{"op": "commands", "ids": [...]}` (each command's status the moment it is recorded, once).
The server sends `{"kind": "event", "position": P, "event": {...}}`, `{"kind": "command",
"id": ..., "status": {...}}` (as `GET /commands/{id}` answers) and `{"kind": "error", ...}`.
Caps and idle timeout are the SSE stream's: a slot per connection, closed (1000, "idle") after
`http.sse_idle_seconds` with nothing sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from gateway.api.access import Access, Callers, Role, bearer_token, dev_mode, role_of
from gateway.api.append_bell import AppendBell, rung_within
from gateway.api.commands import command_status
from gateway.api.problems import ProblemError, problem
from gateway.api.same_site import is_own_host, is_same_origin
from gateway.api.stream_slots import StreamSlots
from gateway.config import GatewayConfig
from gateway.store.feed_pages import encoded_events
from gateway.store.sql import SqlEventStore

PAGE = 500
MAX_WATCHED = 1000


@dataclass(frozen=True)
class SocketAccess(Access):
    """`Access` for a WebSocket handshake: the caller's role, Host and Origin checked."""

    async def __call__(self, websocket: WebSocket) -> Role | None:  # type: ignore[override]
        config: GatewayConfig = websocket.app.state.gateway.config
        refuse_cross_site_socket(websocket, config=config)
        role = role_of(websocket)
        if role not in {Role.PLATFORM, Role.OPERATOR}:
            raise ProblemError(401, "a valid platform or operator bearer token is required")
        return role


router = APIRouter(tags=["events"], dependencies=[Depends(SocketAccess(Callers.READERS))])


def refuse_cross_site_socket(websocket: WebSocket, *, config: GatewayConfig) -> None:
    """A browser opens a WebSocket from any page: its Origin must be this gateway's."""
    allowed = config.http.allowed_hosts
    host = websocket.headers.get("host", "")
    if (dev_mode(config) or allowed) and not is_own_host(host, allowed=allowed):
        raise ProblemError(400, f"Host {host[:100]!r} is not this gateway's")
    origin = websocket.headers.get("origin")
    if origin is not None and not is_same_origin(origin, host=host, allowed=allowed):
        raise ProblemError(403, f"a WebSocket from Origin {origin[:100]!r} is refused")


@dataclass
class Subscriptions:
    """What one connection asked for; `changed` wakes the sender when it asks for more."""

    after: int | None = None
    watching: set[str] = field(default_factory=set)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


@router.websocket("/ws", name="push")
async def push(websocket: WebSocket) -> None:
    slots: StreamSlots = websocket.app.state.stream_slots
    try:
        slot = slots.take(bearer_token(websocket) or "local")
    except ProblemError as busy:  # refused at the handshake, as a 503 with Retry-After
        await websocket.send_denial_response(problem(busy.status, busy.detail, **busy.extra))
        return
    try:
        await websocket.accept()
        await _serve(websocket)
    finally:
        slot.release()


async def _serve(websocket: WebSocket) -> None:
    gateway = websocket.app.state.gateway
    bell: AppendBell = websocket.app.state.append_bell
    idle_seconds: float = gateway.config.http.sse_idle_seconds
    wanted = Subscriptions()
    reading = asyncio.ensure_future(_read_requests(websocket, wanted))
    last_sent = time.monotonic()
    try:
        while not reading.done():
            rung = bell.current()  # before the reads: an append during them still wakes us
            wanted.changed.clear()
            if await _send_news(websocket, gateway.store, wanted):
                last_sent = time.monotonic()
                continue
            waited = time.monotonic() - last_sent
            if waited >= idle_seconds:
                await websocket.close(code=1000, reason="idle; reconnect from your last position")
                return
            await _wake(rung, wanted.changed, reading,
                        min(bell.fallback_seconds, idle_seconds - waited))  # fmt: skip
    except WebSocketDisconnect:
        return
    finally:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)


async def _wake(rung: asyncio.Event, changed: asyncio.Event, reading: asyncio.Future[None],
                seconds: float) -> None:  # fmt: skip
    asked = asyncio.ensure_future(changed.wait())
    appended = asyncio.ensure_future(rung_within(rung, seconds))
    waiters: set[asyncio.Future[Any]] = {asked, appended, reading}
    await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in (asked, appended):
        task.cancel()
    await asyncio.gather(asked, appended, return_exceptions=True)


async def _read_requests(websocket: WebSocket, wanted: Subscriptions) -> None:
    """Apply each request the client sends; answer a malformed one with an error."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            problem = _apply(await websocket.receive_text(), wanted)
            if problem is not None:
                await websocket.send_text(
                    orjson.dumps({"kind": "error", "detail": problem}).decode()
                )
            wanted.changed.set()


def _apply(text: str, wanted: Subscriptions) -> str | None:
    try:
        request: Any = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return f"not JSON: {exc}"
    if not isinstance(request, dict):
        return 'send an object: {"op": "feed", "after": N} or {"op": "commands", "ids": [...]}'
    if request.get("op") == "feed":
        after = request.get("after", 0)
        if type(after) is not int or not 0 <= after < 2**63:
            return "after: a position, 0 or more"
        wanted.after = after
        return None
    if request.get("op") == "commands":
        ids = request.get("ids")
        if not isinstance(ids, list) or not all(
            isinstance(i, str) and 0 < len(i) <= 100 for i in ids
        ):
            return "ids: a list of command ids"
        if len(wanted.watching) + len(ids) > MAX_WATCHED:
            return f"at most {MAX_WATCHED} commands are watched on one connection"
        wanted.watching.update(ids)
        return None
    return 'op: "feed" or "commands"'


async def _send_news(websocket: WebSocket, store: SqlEventStore, wanted: Subscriptions) -> bool:
    """Send what is new for the connection's subscriptions; whether anything was sent."""
    sent = False
    if wanted.after is not None:
        events = await run_in_threadpool(encoded_events, store, after=wanted.after, limit=PAGE)
        for event in events:
            await websocket.send_text(
                f'{{"kind":"event","position":{event.position},"event":{event.body.decode()}}}'
            )
            wanted.after = event.position
        sent = bool(events)
    for command_id in sorted(wanted.watching):
        status = await run_in_threadpool(command_status, store, command_id)
        if status is not None:
            wanted.watching.discard(command_id)
            await websocket.send_text(
                f'{{"kind":"command","id":{orjson.dumps(command_id).decode()},'
                f'"status":{status.decode()}}}'
            )
            sent = True
    return sent
