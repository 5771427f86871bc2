"""What an operator sees at a glance: each inbound source's state and each SLA's figures.

`gateway sources list`, `gateway sla report`, `GET /sources`, `GET /sla` and the `/admin` page
all read these same lines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.broker.report import broker_sla_source
from gateway.delivery.report import delivery_sla_source
from gateway.exports.report import export_sla_source
from gateway.sla import SlaLine, report
from gateway.sla.report import SlaSource

if TYPE_CHECKING:
    from gateway.bootstrap import Gateway


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One configured source: `state` is enabled, disabled (a secret is missing) or halted."""

    name: str
    kind: str
    state: str
    last_success: str | None
    last_error: str | None
    cursor: str | None


def source_lines(gateway: Gateway) -> list[SourceLine]:
    """Every source in `config.yaml`, in its order; a webhook's success is its last command,
    a batch source's its last completed import."""
    book = gateway.source_status
    known = book.read_all()
    lines: list[SourceLine] = []
    for name, source in gateway.config.sources.items():
        status = known.get(name)
        success = status.last_success_at if status else None
        if source.kind == "batch":
            success = gateway.imports.ledger.last_completed_at(name)
        elif source.kind != "poll":
            success = book.last_command_at(name)
        error = (
            f"{status.last_error_at} {status.last_error}" if status and status.last_error else None
        )
        halted = status is not None and bool(status.halted_at)
        lines.append(
            SourceLine(name, source.kind, _state(gateway, name, halted=halted), success, error,
                       status.cursor if status else None)
        )  # fmt: skip
    return lines


def _state(gateway: Gateway, name: str, *, halted: bool) -> str:
    webhook = gateway.webhooks.sources.get(name)
    if name in gateway.polling.disabled or (webhook and webhook.disabled_reason):
        return "disabled"
    return "halted" if halted else "enabled"


def sla_lines(gateway: Gateway, *, now: float | None = None) -> list[SlaLine]:
    """Each destination's and each export's SLA line, breaches counted."""
    sources: list[SlaSource] = []
    engine = gateway.delivery
    if engine is not None:
        sources.append(delivery_sla_source(engine.destinations, engine.disabled))
    sources.append(export_sla_source(list(gateway.exports.values())))
    if gateway.broker is not None:
        sources.append(broker_sla_source(gateway.config.broker.publish_exchange))
    if now is None:
        now = engine.clock() if engine is not None else time.time()
    return report(gateway.store, sources, now=now)
