"""Prometheus metrics of outbound delivery, by destination, with conventional names."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERY_LATENCY = Histogram(
    "gateway_delivery_latency_seconds",
    "Time from the event (or its replay) to the legacy system's acknowledgement",
    ["destination"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
DELIVERY_ATTEMPTS = Counter(
    "gateway_delivery_attempts_total", "Attempts to deliver, by verdict", ["destination", "verdict"]
)
DEAD_LETTERED = Counter(
    "gateway_deliveries_dead_lettered_total", "Deliveries given up", ["destination"]
)
PENDING = Gauge("gateway_deliveries_pending", "Deliveries not yet delivered", ["destination"])
OLDEST_UNDELIVERED = Gauge(
    "gateway_oldest_undelivered_age_seconds",
    "Age of the oldest event not yet delivered",
    ["destination"],
)
CIRCUIT_OPEN = Gauge(
    "gateway_delivery_circuit_state",
    "0 closed, 1 half open, 2 open, 3 paused (credentials or certificate refused)",
    ["destination"],
)
PACE_STARTS_GIVEN_UP = Counter(
    "gateway_delivery_pace_starts_given_up_total",
    "Booked start times not used within their tolerance: the pace lost them",
    ["destination"],
)
