"""`POST /events`: the platform's services append CloudEvents (structured or batch mode).

Authenticated by a bearer token from the variable `platform_events.tokens_env` names.
"""

from __future__ import annotations

import hmac
import os
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Request, Response

from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.cloudevents import BATCH_MEDIA_TYPE, EVENT_MEDIA_TYPE
from gateway.errors import InvalidPayload
from gateway.platform_events import append_platform_events, parse

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
    _authenticate(gateway.config.platform_events.tokens_env, authorization)
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise ProblemError(415, f"send {EVENT_MEDIA_TYPE} or {BATCH_MEDIA_TYPE}")
    body = _json(await request.body())
    batch = body if isinstance(body, list) else [body]
    if not batch or len(batch) > gateway.config.platform_events.max_batch:
        raise ProblemError(422, f"a batch holds 1 to {gateway.config.platform_events.max_batch}")
    try:
        events = [parse(item, index) for index, item in enumerate(batch)]
    except InvalidPayload as exc:
        raise ProblemError(422, exc.detail, errors=exc.errors) from None
    appended = append_platform_events(gateway.store, events)
    fresh = sum(1 for a in appended if not a.duplicate)
    answer = {"appended": fresh, "duplicates": len(appended) - fresh,
              "events": [{"id": a.id, "position": a.position, "duplicate": a.duplicate}
                         for a in appended]}  # fmt: skip
    return Response(orjson.dumps(answer), status_code=201 if fresh else 200,
                    media_type="application/json")  # fmt: skip


def _authenticate(tokens_env: str, authorization: str | None) -> None:
    tokens = [t.strip() for t in os.environ.get(tokens_env, "").split(",") if t.strip()]
    if not tokens:
        raise ProblemError(401, f"no platform tokens are configured ({tokens_env} is not set)")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not any(hmac.compare_digest(given, t) for t in tokens):
        raise ProblemError(401, "a valid bearer token is required")


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"the body is not JSON: {exc}") from None
