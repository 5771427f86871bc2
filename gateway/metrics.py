"""Prometheus metrics of the gateway, with conventional names, served at `/metrics`."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

COMMANDS = Counter(
    "gateway_commands_total", "Commands handled, by type and outcome", ["type", "status"]
)
EVENTS_APPENDED = Counter("gateway_events_appended_total", "Events appended to the store")
HTTP_LATENCY = Histogram(
    "gateway_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route", "status"],
)
