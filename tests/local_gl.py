"""A local GL for end-to-end tests: records each request's headers and body, refuses on command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.http_server import serve_in_thread


@dataclass
class LocalGl:
    base_url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to give first, in order
    refused_refs: set[str] = field(default_factory=set)  # answered 400 (bad reference data)

    def posted_refs(self) -> list[str]:
        return [b.get("posting_ref", "") for b in self.bodies]


@contextmanager
def local_gl() -> Iterator[LocalGl]:
    local = LocalGl()

    async def postings(request: Request) -> JSONResponse:
        body = await request.json()
        local.requests.append(dict(request.headers))
        local.bodies.append(body)
        if body.get("posting_ref") in local.refused_refs:
            return JSONResponse({"code": "GL-ACCOUNT-UNKNOWN"}, status_code=400)
        status = local.answers.pop(0) if local.answers else 201
        return JSONResponse({"status": "POSTED" if status < 300 else "DOWN"}, status_code=status)

    app = Starlette(routes=[Route("/gl/v1/postings", postings, methods=["POST"])])
    with serve_in_thread(app) as base_url:
        local.base_url = base_url
        yield local
