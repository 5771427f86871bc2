"""Spans kept in memory, and a local GL that records the headers of every request it gets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.tracing import configure_tracing
from gateway.tracing.setup import export_spans
from tests.local_gl import LocalGl, local_gl


@pytest.fixture(scope="session")
def _exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    export_spans(configure_tracing(), SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(_exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    _exporter.clear()
    return _exporter


@pytest.fixture
def gl() -> Iterator[LocalGl]:
    with local_gl() as local:
        yield local
