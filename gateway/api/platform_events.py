"""`POST /events`: the platform's services append CloudEvents (structured or batch mode).

Callers need a platform token (`gateway.api.access`); each writes only as the CloudEvents
sources its `platform_events.writers` entry names.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request, Response

from gateway.api.access import PLATFORM, bearer_token
from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.bootstrap import Gateway
from gateway.cloudevents import BATCH_MEDIA_TYPE, EVENT_MEDIA_TYPE
from gateway.errors import InboundRefused
from gateway.platform import SourceGrant, grant_for, parse

router = APIRouter(tags=["events"], dependencies=PLATFORM)
MEDIA_TYPES = (EVENT_MEDIA_TYPE, BATCH_MEDIA_TYPE, "application/json")


@router.post(
    "/events",
    summary="Append the platform's own events, idempotently by CloudEvents id",
    status_code=201,
    response_class=Response,
    openapi_extra={"requestBody": {"content": {t: {} for t in MEDIA_TYPES}, "required": True}},
)
async def append_events(
    gateway: GatewayDep,
    request: Request,
    content_type: Annotated[str, Header()] = "",
) -> Response:
    grant = _grant(gateway, request)
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise ProblemError(415, f"send {EVENT_MEDIA_TYPE} or {BATCH_MEDIA_TYPE}")
    body = _json(await request.body())
    batch = body if isinstance(body, list) else [body]
    if not batch or len(batch) > gateway.config.platform_events.max_batch:
        raise ProblemError(422, f"a batch holds 1 to {gateway.config.platform_events.max_batch}")
    try:
        events = [parse(item, index) for index, item in enumerate(batch)]
        appended = gateway.platform.append(events, grant=grant)
    except InboundRefused as exc:
        raise ProblemError(exc.status, exc.detail, errors=exc.errors) from None
    fresh = sum(1 for a in appended if not a.duplicate)
    answer = {"appended": fresh, "duplicates": len(appended) - fresh,
              "events": [{"id": a.id, "position": a.position, "duplicate": a.duplicate}
                         for a in appended]}  # fmt: skip
    return Response(orjson.dumps(answer), status_code=201 if fresh else 200,
                    media_type="application/json")  # fmt: skip


def _grant(gateway: Gateway, request: Request) -> SourceGrant:
    """The sources the caller's token may write as (`PLATFORM` let only known tokens in)."""
    grant = grant_for(bearer_token(request) or "", gateway.config.platform_events)
    if grant is None:  # the token was rotated out between the two reads
        raise ProblemError(401, "a valid platform bearer token is required")
    return grant


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"the body is not JSON: {exc}") from None
