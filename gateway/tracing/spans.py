"""Spans around the gateway's work, and the `traceparent` each one hands on.

A `traceparent` is what the gateway keeps with an event (its metadata) and sends to a legacy
system: the W3C header of the span that produced or delivers it, so all share one trace id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACER_NAME = "legacy-gateway"
Attributes = Mapping[str, str | int | float | bool]
_propagator = TraceContextTextMapPropagator()


def parent_from(traceparent: str | None, tracestate: str | None = None) -> Context | None:
    """The context a `traceparent` names; None when there is none or it is malformed."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    context = _propagator.extract(carrier)
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def valid_traceparent(value: object) -> str | None:
    """`value` if it is a well-formed W3C `traceparent`, else None (a bad one is ignored)."""
    if isinstance(value, str) and parent_from(value) is not None:
        return value
    return None


def current_traceparent() -> str | None:
    """The `traceparent` of the span now current, or None outside any span."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span(
    name: str,
    *,
    parent: str | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
) -> Iterator[str | None]:
    """A span named `name`, child of `parent` (a traceparent) or of the current span.

    Yields the new span's own `traceparent`, to keep with events or send on.
    """
    tracer = trace.get_tracer(TRACER_NAME)
    context = parent_from(parent)
    with tracer.start_as_current_span(name, context=context, kind=kind,
                                      attributes=attributes) as current:  # fmt: skip
        yield current_traceparent() if current.get_span_context().is_valid else parent
