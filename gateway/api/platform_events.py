"""`POST /events`: the platform's services append CloudEvents (structured or batch mode).

A bearer token of `platform_events` writes only as the CloudEvents sources its writer names.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request, Response

from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.cloudevents import BATCH_MEDIA_TYPE, EVENT_MEDIA_TYPE
from gateway.errors import InboundRefused
from gateway.platform import SourceGrant, grant_for, parse
from gateway.platform.settings import PlatformEventsConfig
from gateway.platform.writers import known_tokens

router = APIRouter(tags=["events"])
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
    authorization: Annotated[str | None, Header()] = None,
    content_type: Annotated[str, Header()] = "",
) -> Response:
    grant = _authenticate(gateway.config.platform_events, authorization)
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


def _authenticate(config: PlatformEventsConfig, authorization: str | None) -> SourceGrant:
    if not known_tokens(config):
        raise ProblemError(
            401, f"no platform tokens are configured ({config.tokens_env} is not set)"
        )
    scheme, _, given = (authorization or "").partition(" ")
    grant = grant_for(given, config) if scheme.lower() == "bearer" else None
    if grant is None:
        raise ProblemError(401, "a valid bearer token is required")
    return grant


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"the body is not JSON: {exc}") from None
