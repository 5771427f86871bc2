"""W3C trace context through the gateway: from a legacy input, through its events, to every
legacy delivery. `spans` starts spans and reads `traceparent`s; `setup` wires OpenTelemetry."""

from gateway.tracing.setup import configure_tracing
from gateway.tracing.spans import current_traceparent, span, valid_traceparent

__all__ = ["configure_tracing", "current_traceparent", "span", "valid_traceparent"]
