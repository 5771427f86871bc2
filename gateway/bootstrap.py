"""The composition root: builds the gateway's object graph from a validated config.

Nothing else wires services together; tests call the same `build` with their own config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from gateway.adapters import load_adapter
from gateway.broker import BrokerBridge
from gateway.broker.build import build_bridge
from gateway.commands import CommandBus
from gateway.config import BatchSourceConfig, GatewayConfig, ReconciliationSourceConfig
from gateway.delivery.build import build_delivery
from gateway.delivery.engine import DeliveryEngine
from gateway.exports.build import build_exports
from gateway.exports.engine import ExportJob
from gateway.imports.engine import BatchSource, ImportEngine
from gateway.jobs import JobLeases, JobRunner
from gateway.platform import PlatformIngest
from gateway.polling import PollSources, SourceStatusBook, poll_sources
from gateway.reconciliation.engine import Reconciler, ReconciliationSource
from gateway.store.sql import SqlEventStore, open_store
from gateway.store.wal import WalCheckpointer
from gateway.store.writes import utc_now
from gateway.tracing import configure_tracing
from gateway.webhooks import WebhookInbox, webhook_sources
from schedules import JobSpec, build_scheduler
from schedules.exports import export_jobs
from schedules.imports import import_jobs
from schedules.polling import poll_jobs
from schedules.reconciliation import reconciliation_jobs


@dataclass
class Gateway:
    """Everything one gateway process runs on."""

    config: GatewayConfig
    store: SqlEventStore
    bus: CommandBus
    imports: ImportEngine
    batch_sources: dict[str, BatchSource] = field(default_factory=dict)
    webhooks: WebhookInbox = field(kw_only=True)
    polling: PollSources = field(kw_only=True)
    source_status: SourceStatusBook = field(kw_only=True)
    delivery: DeliveryEngine | None = field(default=None, kw_only=True)
    exports: dict[str, ExportJob] = field(default_factory=dict, kw_only=True)
    jobs: JobRunner | None = field(default=None, kw_only=True)
    platform: PlatformIngest = field(kw_only=True)
    reconciler: Reconciler | None = field(default=None, kw_only=True)
    reconciliation_sources: dict[str, ReconciliationSource] = field(
        default_factory=dict, kw_only=True
    )
    broker: BrokerBridge | None = field(default=None, kw_only=True)

    _scheduler: BackgroundScheduler | None = field(default=None, init=False, repr=False)
    _checkpointer: WalCheckpointer | None = field(default=None, init=False, repr=False)

    def scheduled_jobs(self) -> list[JobSpec]:
        """Every job `gateway run` schedules: imports, arrival SLAs, polls, sweeps, exports."""
        return (
            import_jobs(self.imports, self.batch_sources, clock=utc_now)
            + poll_jobs(self.polling.pollers)
            + export_jobs(self.exports)
            + self._reconciliation_jobs()
        )

    def _reconciliation_jobs(self) -> list[JobSpec]:
        if self.reconciler is None:
            return []
        return reconciliation_jobs(self.reconciler, self.reconciliation_sources, clock=utc_now)

    def start(self) -> None:
        """Start the background work of `gateway run`."""
        self._checkpointer = WalCheckpointer(self.store.engine)
        self._checkpointer.start()
        self._scheduler = build_scheduler(self.scheduled_jobs(), runner=self.jobs)
        self._scheduler.start()
        if self.delivery is not None:
            self.delivery.start()
        if self.broker is not None:
            self.broker.start()

    def stop(self) -> None:
        if self.broker is not None:
            self.broker.stop()
        if self.delivery is not None:
            self.delivery.stop()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None

    def close(self) -> None:
        self.stop()
        self.store.engine.dispose()


def build(config: GatewayConfig, *, migrate: bool = True) -> Gateway:
    configure_tracing()
    url = config.database.url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = open_store(url, migrate=migrate, sqlite_cache_mib=config.database.sqlite_cache_mib)
    bus = CommandBus(
        store,
        snapshot_every=config.store.snapshot_every,
        cache_size=config.store.state_cache_size,
    )
    status = SourceStatusBook(store)
    platform = PlatformIngest(bus)
    return Gateway(
        config=config,
        store=store,
        bus=bus,
        imports=ImportEngine(bus),
        platform=platform,
        broker=build_bridge(config.broker, platform),
        batch_sources=batch_sources(config),
        webhooks=WebhookInbox(bus, webhook_sources(config.sources), status),
        polling=poll_sources(config.sources, bus=bus, status=status),
        source_status=status,
        delivery=build_delivery(config, store),
        exports=build_exports(config.exports, store),
        jobs=JobRunner(
            JobLeases(store, lease_seconds=config.jobs.lease_seconds),
            renew_every=config.jobs.renew_every,
        ),
        reconciler=Reconciler(store),
        reconciliation_sources=reconciliation_sources(config),
    )


def batch_sources(config: GatewayConfig) -> dict[str, BatchSource]:
    """Each batch source with its adapter, built by the factory `sources.<name>.adapter` names."""
    built = {}
    for name, source in config.sources.items():
        if isinstance(source, BatchSourceConfig):
            factory = load_adapter(source.adapter, key=f"sources.{name}.adapter")
            built[name] = BatchSource(name, source, factory(name, source))
    return built


def reconciliation_sources(config: GatewayConfig) -> dict[str, ReconciliationSource]:
    """Each source of files that are compared, not applied, with its adapter."""
    built = {}
    for name, source in config.sources.items():
        if isinstance(source, ReconciliationSourceConfig):
            factory = load_adapter(source.adapter, key=f"sources.{name}.adapter")
            built[name] = ReconciliationSource(name, source, factory(name, source))
    return built
