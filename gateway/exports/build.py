"""Builds each configured export job with its file format; used by the bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from gateway.adapters import load_adapter
from gateway.exports.engine import ExportJob, utc_now
from gateway.exports.port import ExportFormatFactory
from gateway.exports.settings import ExportConfig
from gateway.store.sql import SqlEventStore


def build_exports(
    exports: dict[str, ExportConfig],
    store: SqlEventStore,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> dict[str, ExportJob]:
    """Every enabled export; a format that cannot be loaded is a config error naming its key."""
    built = {}
    for name, config in exports.items():
        factory: ExportFormatFactory = load_adapter(config.adapter, key=f"exports.{name}.adapter")
        if config.enabled:
            built[name] = ExportJob(name, config, factory(name, config.options), store, clock=clock)
    return built
