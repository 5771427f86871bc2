"""The gateway's own webhook answers: `202 Accepted` with the command record, or a problem.

Problems follow RFC 9457, the same shape as every other error of the HTTP API.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson

from gateway.errors import InboundRefused, RateLimited
from gateway.store.port import CommandRecord
from gateway.webhooks.port import WebhookReply

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_reply(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> WebhookReply:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return WebhookReply(status, orjson.dumps(body), PROBLEM_MEDIA_TYPE, headers or {})


def refusal_problem(error: InboundRefused, *, challenge: str | None = None) -> WebhookReply:
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    if error.status == 401 and challenge:
        headers["WWW-Authenticate"] = challenge
    if error.status == 503:
        headers["Retry-After"] = "60"
    extra: dict[str, Any] = {"errors": error.errors} if error.errors else {}
    return problem_reply(error.status, error.detail, headers=headers, **extra)


def record_reply(record: CommandRecord) -> WebhookReply:
    """202 for an accepted command; 422 naming the domain's reason for a rejected one."""
    location = {"Location": f"/commands/{record.command_id}"}
    if record.status == "rejected":
        return problem_reply(
            422,
            record.reason or "the command was rejected",
            headers=location,
            code=record.code,
            command_id=record.command_id,
        )
    # orjson writes the dataclass's fields itself: no dict of them built per call.
    return WebhookReply(202, orjson.dumps(record), "application/json", location)
