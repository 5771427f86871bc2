"""Spans kept in memory, and a local GL that records the headers of every request it gets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.tracing import configure_tracing
from tests.http_server import serve_in_thread


@pytest.fixture(scope="session")
def _exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing().add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(_exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    _exporter.clear()
    return _exporter


@dataclass
class LocalGl:
    base_url: str = ""
    requests: list[dict[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to give first, in order


@pytest.fixture
def gl() -> Iterator[LocalGl]:
    local = LocalGl()

    async def postings(request: Request) -> JSONResponse:
        local.requests.append(dict(request.headers))
        status = local.answers.pop(0) if local.answers else 201
        return JSONResponse({"status": "POSTED" if status < 300 else "DOWN"}, status_code=status)

    app = Starlette(routes=[Route("/gl/v1/postings", postings, methods=["POST"])])
    with serve_in_thread(app) as base_url:
        local.base_url = base_url
        yield local
