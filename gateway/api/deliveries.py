"""Outbound delivery over HTTP: `/deliveries`, `/dlq` and `/sla`, the CLI's operations.

Redrive and replay keep each delivery's idempotency key.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.delivery import operations
from gateway.delivery.destination import subscription_for
from gateway.delivery.replay import ReplayRange, replay
from gateway.errors import UnknownDelivery
from gateway.overview import sla_lines

router = APIRouter(tags=["deliveries"], dependencies=OPERATOR)
Status = Literal["pending", "delivered", "dead", "skipped"]


class DeadLetterSelection(BaseModel):
    ids: list[int] = Field(default_factory=list, description="Dead letter ids")
    destination: str | None = Field(default=None, description="Every dead letter of it")


class ReplayRequest(BaseModel):
    destination: str
    from_position: int | None = Field(default=None, ge=1)
    to_position: int | None = Field(default=None, ge=1)
    since: datetime | None = None
    until: datetime | None = None
    dry_run: bool = False


@router.get("/deliveries", summary="Deliveries, oldest first")
def list_deliveries(
    gateway: GatewayDep,
    destination: str | None = None,
    status: Status | None = None,
    after_id: Annotated[int, Query(ge=0, description="Last id already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    found = operations.list_deliveries(
        gateway.store, destination=destination, status=status, after_id=after_id, limit=limit
    )
    return [d.as_dict() for d in found]


@router.get("/deliveries/{delivery_id}", summary="One delivery with every attempt")
def show_delivery(gateway: GatewayDep, delivery_id: int) -> dict[str, Any]:
    try:
        return operations.show_delivery(gateway.store, delivery_id).as_dict()
    except UnknownDelivery as exc:
        raise ProblemError(404, str(exc)) from None


@router.post("/deliveries/replay", summary="Send a position range or time window again")
def replay_deliveries(gateway: GatewayDep, request: ReplayRequest) -> dict[str, Any]:
    wanted = gateway.config.destinations.get(request.destination)
    if wanted is None:
        raise ProblemError(404, f"no destination {request.destination!r}")
    if (request.from_position is None) == (request.since is None):
        raise ProblemError(422, "give from_position or since (not both)")
    selection = ReplayRange(request.from_position, request.to_position, request.since,
                            request.until)  # fmt: skip
    outcome = replay(gateway.store, subscription_for(request.destination, wanted), selection,
                     now=time.time(), dry_run=request.dry_run)  # fmt: skip
    return {"events": outcome.events, "requeued": outcome.requeued, "created": outcome.created,
            "already_pending": outcome.already_pending, "dry_run": outcome.dry_run}  # fmt: skip


@router.get("/dlq", summary="Dead letters")
def list_dead_letters(
    gateway: GatewayDep, destination: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    found = operations.list_deliveries(
        gateway.store, destination=destination, status="dead", limit=limit
    )
    return [d.as_dict() for d in found]


@router.post("/dlq/redrive", summary="Send dead letters again, with the same idempotency key")
def redrive(gateway: GatewayDep, selection: DeadLetterSelection) -> dict[str, int]:
    count = operations.redrive(gateway.store, selection.ids, now=time.time(),
                               destination=selection.destination)  # fmt: skip
    return {"redriven": count}


@router.post("/dlq/skip", summary="Give dead letters up, so their streams flow again")
def skip(gateway: GatewayDep, selection: DeadLetterSelection) -> dict[str, int]:
    return {"skipped": operations.skip(gateway.store, selection.ids,
                                       destination=selection.destination)}  # fmt: skip


@router.get("/sla", summary="Per destination and export: latency percentiles, breaches, backlog")
def sla(gateway: GatewayDep) -> list[dict[str, Any]]:
    return [asdict(line) for line in sla_lines(gateway)]
