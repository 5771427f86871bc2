"""Spans around the gateway's work, and the `traceparent` each one hands on.

A `traceparent` is what the gateway keeps with an event (its metadata) and sends to a legacy
system: the W3C header of the span that produced or delivers it, so all share one trace id.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACER_NAME = "legacy-gateway"
_random = random.Random()  # span and trace ids, not secrets
_recording = [False]


def recording() -> bool:
    """Whether spans go anywhere (an exporter is set): else they are ids only."""
    return _recording[0]


def record_spans() -> None:
    _recording[0] = True


Attributes = Mapping[str, str | int | float | bool]
_propagator = TraceContextTextMapPropagator()
# The propagator's own rules, for reading a trace id without building a context.
_TRACEPARENT = re.compile(
    r"^[ \t]*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:(-.*)|[ \t]*)$"
)
MAX_TRACEPARENT = 512
ZERO_TRACE, ZERO_SPAN = "0" * 32, "0" * 16


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

    Yields the new span's own `traceparent`, to keep with events or send on. With nothing to
    export spans to, the span is only its ids (a non-recording span): an SDK span cost a third
    of a webhook's CPU, for a record no one reads.
    """
    context = parent_from(parent)
    if not recording():
        with _ids_only(context) as traceparent:
            yield traceparent
        return
    tracer = trace.get_tracer(TRACER_NAME)
    with tracer.start_as_current_span(name, context=context, kind=kind,
                                      attributes=attributes) as current:  # fmt: skip
        yield current_traceparent() if current.get_span_context().is_valid else parent


@contextmanager
def _ids_only(context: Context | None) -> Iterator[str | None]:
    outer = trace.get_current_span(context).get_span_context()
    trace_id = outer.trace_id if outer.is_valid else _random.getrandbits(128) or 1
    own = SpanContext(trace_id, _random.getrandbits(64) or 1, is_remote=False,
                      trace_flags=TraceFlags(TraceFlags.SAMPLED))  # fmt: skip
    with trace.use_span(NonRecordingSpan(own), end_on_exit=False):
        yield f"00-{trace_id:032x}-{own.span_id:016x}-01"


def child_traceparent(parent: str | None) -> str:
    """The `traceparent` of a new span under `parent` (else under the current span, else of
    a new trace), made current nowhere: all a span hands on when nothing records spans.

    String work alone; a delivery attempt paid 60 us for a non-recording span and its context.
    """
    trace_id = _trace_id_of(parent)
    if trace_id is None:
        outer = trace.get_current_span().get_span_context()
        trace_id = f"{outer.trace_id if outer.is_valid else _random.getrandbits(128) or 1:032x}"
    return f"00-{trace_id}-{_random.getrandbits(64) or 1:016x}-01"


def _trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a well-formed `traceparent`, by the propagator's rules (`parent_from`)."""
    if not traceparent or len(traceparent) > MAX_TRACEPARENT:
        return None
    match = _TRACEPARENT.search(traceparent)
    if match is None:
        return None
    version, trace_id, span_id, _, rest = match.groups()
    if trace_id == ZERO_TRACE or span_id == ZERO_SPAN or version == "ff":
        return None
    if version == "00" and rest:
        return None
    return trace_id
