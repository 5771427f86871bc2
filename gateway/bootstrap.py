"""The composition root: builds the gateway's object graph from a validated config.

Nothing else wires services together; tests call the same `build` with their own config.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gateway.commands import CommandBus
from gateway.config import GatewayConfig
from gateway.store.sql import SqlEventStore, open_store


@dataclass
class Gateway:
    """Everything one gateway process runs on."""

    config: GatewayConfig
    store: SqlEventStore
    bus: CommandBus

    def close(self) -> None:
        self.store.engine.dispose()


def build(config: GatewayConfig, *, migrate: bool = True) -> Gateway:
    url = config.database.url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = open_store(url, migrate=migrate)
    bus = CommandBus(
        store,
        snapshot_every=config.store.snapshot_every,
        cache_size=config.store.state_cache_size,
    )
    return Gateway(config=config, store=store, bus=bus)
