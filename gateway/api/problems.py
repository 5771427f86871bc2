"""RFC 9457 problem details: every error the HTTP API answers has this shape.

Foreign errors (validation, routing) and the gateway's own are mapped here, once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from gateway.errors import ConcurrencyConflict, StoreError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def problem(
    status: int, detail: str, *, title: str | None = None, headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:  # fmt: skip
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


class ProblemError(Exception):
    """Raised by a route to answer with a problem document."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ConcurrencyConflict, _on_conflict)  # type: ignore[arg-type]
    app.add_exception_handler(StoreError, _on_store)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_problem(_: Request, exc: ProblemError) -> JSONResponse:
    return problem(exc.status, exc.detail, **exc.extra)


async def _on_http(_: Request, exc: HTTPException) -> JSONResponse:
    return problem(exc.status_code, str(exc.detail), headers=exc.headers)


async def _on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem(422, detail, errors=errors)


async def _on_conflict(_: Request, exc: ConcurrencyConflict) -> JSONResponse:
    return problem(409, str(exc))


async def _on_store(_: Request, exc: StoreError) -> JSONResponse:
    return problem(503, str(exc), headers={"Retry-After": "5"})


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error while answering a request", exc_info=exc)
    return problem(500, "the gateway failed to answer; the error is in its log")
