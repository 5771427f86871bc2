"""The lean lane of `GET /events`: plain ASGI, answered before FastAPI's routing.

A feed page is one value read from the database and sent as it is; FastAPI's middleware,
route search, dependency injection and response object cost about as much as reading it
(0.85 ms a page, against 0.15 ms here). The lane answers only what it answers exactly as the
route would: a GET of `/events` with a bearer token the route admits and a query of nothing but
`after` and `limit` in plain digits, within their bounds. Anything else, and any error, goes on
to FastAPI, which answers as it always has. Pages come through `ReadAhead`: a consumer catching
up finds the next one read while it took this one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from gateway.api.access import Access, Callers
from gateway.api.lane_path import lane_path
from gateway.api.problems import ProblemError
from gateway.api.read_ahead import ReadAhead
from gateway.cloudevents import BATCH_MEDIA_TYPE
from gateway.store.sql import SqlEventStore

PATH = "/events"
MAX_LIMIT = 5000
DEFAULT_LIMIT = 100
MAX_POSITION = 2**63 - 1
_READERS = Access(Callers.READERS)
_CONTENT_TYPE = BATCH_MEDIA_TYPE.encode("latin-1")


def feed_link(last: int, limit: int) -> str:
    """The `Link` header of a page: where the next one starts."""
    return f'</events?after={last}&limit={limit}>; rel="next"'


def feed_query(scope: Scope) -> tuple[int, int] | None:
    """`after` and `limit` of a `GET /events` the lane may answer; None for any other request."""
    path = lane_path(scope, "GET")
    if path != PATH:
        return None
    values: dict[str, str] = {}
    query: bytes = scope["query_string"]
    for pair in query.decode("latin-1").split("&") if query else ():
        name, _, value = pair.partition("=")
        if name not in ("after", "limit") or name in values or not _digits(value):
            return None
        values[name] = value
    after, limit = int(values.get("after", 0)), int(values.get("limit", DEFAULT_LIMIT))
    if after > MAX_POSITION or not 1 <= limit <= MAX_LIMIT:
        return None
    return after, limit


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= 19


async def admitted(scope: Scope, receive: Receive) -> bool:
    """The caller holds a bearer token the route admits, decided by the route's own check.

    Without a token the route may admit callers by their address (dev mode), which depends on
    forwarding headers the lane does not read: such a request goes on to FastAPI.
    """
    request = Request(scope, receive)
    if request.headers.get("authorization", "")[:7].lower() != "bearer ":
        return False
    try:
        await _READERS(request, None)
    except ProblemError:
        return False
    return True


class FeedLane:
    """Answers `GET /events` as an ASGI app; declines (returns False) what it may not answer."""

    def __init__(self, store: SqlEventStore, *, read_ahead: int) -> None:
        self.pages = ReadAhead(store, pages=read_ahead)

    async def __call__(
        self, query: tuple[int, int], scope: Scope, receive: Receive, send: Send
    ) -> bool:
        if not await admitted(scope, receive):
            return False
        after, limit = query
        try:
            body, last = await self.pages.page(after, limit)
        except Exception:  # FastAPI reads the page again and answers with its problem
            return False
        headers = [
            (b"content-length", str(len(body)).encode("latin-1")),
            (b"content-type", _CONTENT_TYPE),
            (b"link", feed_link(last, limit).encode("latin-1")),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True
