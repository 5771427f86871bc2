"""Prometheus metrics of the gateway, with conventional names, served at `/metrics`."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter(
    "gateway_commands_total", "Commands handled, by type and outcome", ["type", "status"]
)
EVENTS_APPENDED = Counter("gateway_events_appended_total", "Events appended to the store")
HTTP_LATENCY = Histogram(
    "gateway_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route", "status"],
)
BROKER_LAG_EVENTS = Gauge(
    "gateway_broker_lag_events", "Stored events the platform's broker has not confirmed yet"
)
BROKER_PUBLISHED = Counter(
    "gateway_broker_published_total", "Events published to the broker and confirmed"
)
BROKER_CONSUMED = Counter(
    "gateway_broker_consumed_total", "Messages read from the platform's queue, by outcome",
    ["outcome"],
)  # fmt: skip
