"""Builds the delivery engine from the `destinations` section; used by the bootstrap."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from gateway.config import GatewayConfig
from gateway.delivery.destination import Destination, DisabledDestination, build_destination
from gateway.delivery.engine import DeliveryEngine
from gateway.store.sql import SqlEventStore


def build_delivery(
    config: GatewayConfig,
    store: SqlEventStore,
    *,
    environ: Mapping[str, str] = os.environ,
    clock: Callable[[], float] = time.time,
    worker_id: str | None = None,
) -> DeliveryEngine:
    enabled: list[Destination] = []
    disabled: list[DisabledDestination] = []
    for name, destination in config.destinations.items():
        built = build_destination(name, destination, environ=environ)
        if isinstance(built, Destination):
            enabled.append(built)
        else:
            disabled.append(built)
    return DeliveryEngine(store, enabled, disabled=disabled, clock=clock, worker_id=worker_id)
