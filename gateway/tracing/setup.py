"""OpenTelemetry for the gateway: spans always (so logs and legacy calls carry trace ids),
exported over OTLP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and nowhere otherwise."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from gateway.tracing.spans import record_spans

SERVICE_NAME = "legacy-gateway"
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def configure_tracing(*, environ: Mapping[str, str] = os.environ) -> TracerProvider:
    """The process's tracer provider, set once; later calls return the one in place."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    service = environ.get("OTEL_SERVICE_NAME", SERVICE_NAME)
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    if any(environ.get(name) for name in ENDPOINT_VARIABLES):
        # Imported here: without an endpoint the exporter's HTTP stack is never loaded.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        export_spans(provider, BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def export_spans(provider: TracerProvider, processor: SpanProcessor) -> None:
    """Send finished spans to `processor` (OTLP, or a test's in-memory exporter)."""
    provider.add_span_processor(processor)
    record_spans()


class TraceIds(logging.Filter):
    """Adds `trace_id` and `span_id` to each log record made inside a span."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        return True
