"""`POST /webhooks/{source}`: legacy systems that call the gateway.

The body is read here, capped at the source's limit; everything after runs in `WebhookInbox`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.errors import InboundRefused, PayloadTooLarge
from gateway.webhooks import WebhookInbox, WebhookReply

router = APIRouter(tags=["webhooks"])

REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
        "application/xml": {"schema": {"type": "object"}},
    },
}
PROBLEM: dict[str, object] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, object]] = {
    202: {"description": "Taken; `Location` names the command's status resource"},
    **{
        status: {"description": meaning, **PROBLEM}
        for status, meaning in (
            (400, "The body cannot be parsed"),
            (401, "Credentials or signature missing or wrong"),
            (403, "Authentic signature outside the timestamp tolerance"),
            (404, "No such webhook source"),
            (409, "A request with the same Idempotency-Key is in flight"),
            (413, "The body exceeds the source's limit"),
            (415, "Content type not accepted by the source"),
            (422, "Invalid fields, a reused key, or the domain rejected the command"),
            (429, "Rate limit; see Retry-After"),
            (503, "The source is disabled (its secret is not configured)"),
        )
    },
}


@router.post(
    "/webhooks/{source}",
    summary="Receive a legacy system's message",
    description="Authenticated per source (HTTP Basic, API key or Standard Webhooks "
    "signature); JSON, form-encoded or XML as the source accepts. The answer is `202` with "
    "the command record, or the legacy system's own reply format where its adapter says so.",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={"requestBody": REQUEST_BODY},
)
async def receive_webhook(source: str, request: Request) -> Response:
    inbox: WebhookInbox = request.app.state.gateway.webhooks
    try:
        admitted = inbox.admit(source, content_length=_content_length(request))
        body = await _read_capped(request, admitted.config.max_body_bytes)
    except InboundRefused as error:
        reply = await inbox.refuse(source, error)
    else:
        reply = await inbox.receive(admitted, dict(request.headers), body)
    return _response(reply)


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def _read_capped(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it grows past `limit` (a lying Content-Length too)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _response(reply: WebhookReply) -> Response:
    return Response(
        reply.body, status_code=reply.status, headers=dict(reply.headers),
        media_type=reply.media_type,
    )  # fmt: skip
