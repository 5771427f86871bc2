"""What operators see of the broker relay: how far behind `bank.events` is, as an SLA line.

`GET /sla`, `/admin`, `gateway sla report` and `gateway broker status` read the same status.
"""

from __future__ import annotations

from gateway.broker.positions import PublishedPositions, RelayStatus
from gateway.metrics import BROKER_LAG_EVENTS
from gateway.sla.report import SlaLine, SlaSource
from gateway.store.sql import SqlEventStore

KIND = "broker"


def lease_job(name: str) -> str:
    """The job lease the relay publishing to `name` holds."""
    return f"broker-relay:{name}"


def relay_status(store: SqlEventStore, name: str) -> RelayStatus:
    status = PublishedPositions(store).status(name, lease_job=lease_job(name))
    BROKER_LAG_EVENTS.set(status.lag_events)
    return status


def broker_sla_source(name: str) -> SlaSource:
    def lines(store: SqlEventStore, now: float) -> list[SlaLine]:
        status = relay_status(store, name)
        state = f"relay on {status.holder}" if status.holder else "no relay active"
        return [SlaLine(KIND, name, pending=status.lag_events,
                        oldest_pending_age=status.lag_seconds, state=state)]  # fmt: skip

    return lines
