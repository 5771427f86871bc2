"""The lean lane of `POST /webhooks/{source}`: plain ASGI, answered before FastAPI's routing.

The busiest route needs no dependency injection, route search or response objects; skipping
them roughly halves the HTTP cost of a webhook. Every other request goes through FastAPI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ExceptionHandler, Receive, Scope, Send

from gateway.api.lane_path import lane_path
from gateway.errors import InboundRefused, PayloadTooLarge
from gateway.webhooks import WebhookInbox, WebhookReply

PREFIX = "/webhooks/"
HttpHandler = Callable[[Request, Exception], Awaitable[Response]]


def webhook_source(scope: Scope) -> str | None:
    """The source a `POST /webhooks/{source}` call names; None for every other request."""
    path = lane_path(scope, "POST")
    if path is None or not path.startswith(PREFIX):
        return None
    source = path[len(PREFIX) :]
    return source if source and "/" not in source else None


async def answer_webhook(
    inbox: WebhookInbox, source: str, headers: Mapping[str, str], receive: Receive
) -> WebhookReply:
    """Admit the call, read its body within the source's limit, and let the inbox answer."""
    try:
        admitted = inbox.admit(source, content_length=_content_length(headers))
        body = await read_capped(receive, admitted.config.max_body_bytes)
    except InboundRefused as error:
        return await inbox.refuse(source, error)
    return await inbox.receive(admitted, headers, body)


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_capped(receive: Receive, limit: int) -> bytes:
    """The body, refused as soon as it grows past `limit` (a lying Content-Length too)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body exceeds {limit} bytes")
        if not message.get("more_body", False):
            # Nearly every webhook arrives in one message: no join, no copy.
            return b"".join([*chunks, chunk]) if chunks else chunk
        chunks.append(chunk)


def header_map(scope: Scope) -> dict[str, str]:
    """Lower-case names to values; the first of repeated headers wins, as in Starlette."""
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(raw)}


class WebhookLane:
    """Answers `POST /webhooks/{source}` as an ASGI app, with the API's error handlers."""

    def __init__(self, inbox: WebhookInbox, handlers: Mapping[Any, ExceptionHandler]) -> None:
        self.inbox = inbox
        self.handlers = handlers
        self._content_types: dict[str, bytes] = {}

    async def __call__(self, source: str, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            reply = await answer_webhook(self.inbox, source, header_map(scope), receive)
        except ClientDisconnect:
            return  # nobody is left to answer
        except Exception as exc:  # the same problem document FastAPI's handlers would send
            await self._fail(exc, scope, receive, send)
            return
        await send(
            {"type": "http.response.start", "status": reply.status, "headers": self._head(reply)}
        )
        await send({"type": "http.response.body", "body": reply.body})

    def _head(self, reply: WebhookReply) -> list[tuple[bytes, bytes]]:
        head = [
            (b"content-length", str(len(reply.body)).encode()),
            (b"content-type", self._content_type(reply.media_type)),
        ]
        head += [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()
        ]
        return head

    def _content_type(self, media_type: str) -> bytes:
        """Encoded once per media type; text gets a charset, as Starlette's responses do."""
        encoded = self._content_types.get(media_type)
        if encoded is None:
            value = media_type
            if value.startswith("text/") and "charset=" not in value.lower():
                value += "; charset=utf-8"
            encoded = self._content_types[media_type] = value.encode("latin-1")
        return encoded

    async def _fail(self, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
        found = next((self.handlers[c] for c in type(exc).__mro__ if c in self.handlers), None)
        if found is None:
            raise exc
        handler = cast(HttpHandler, found)  # this lane serves HTTP only, never a websocket
        response = await handler(Request(scope, receive), exc)
        await response(scope, receive, send)
