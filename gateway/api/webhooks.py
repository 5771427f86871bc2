"""`POST /webhooks/{source}`: legacy systems that call the gateway, as the API documents it.

`WebhookLane` answers these calls ahead of routing; this route gives them their OpenAPI entry.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from gateway.api.access import SOURCE
from gateway.api.webhook_lane import answer_webhook
from gateway.webhooks import WebhookInbox

router = APIRouter(tags=["webhooks"], dependencies=SOURCE)

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
    reply = await answer_webhook(inbox, source, dict(request.headers), request.receive)
    return Response(
        reply.body, status_code=reply.status, headers=dict(reply.headers),
        media_type=reply.media_type,
    )  # fmt: skip
