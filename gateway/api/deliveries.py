"""Outbound delivery over HTTP: `/deliveries`, `/dlq` and `/sla`, the CLI's operations.

Redrive and replay keep each delivery's idempotency key.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.api.params import MAX_ROW_ID, RowId, StoredNumber
from gateway.api.problems import ProblemError
from gateway.delivery import operations
from gateway.delivery.destination import subscription_for
from gateway.delivery.replay import MAX_REPLAY, ReplayRange, replay
from gateway.errors import ReplayTooLarge, UnknownDelivery
from gateway.overview import sla_lines

router = APIRouter(tags=["deliveries"], dependencies=OPERATOR)
Status = Literal["pending", "delivered", "dead", "skipped"]


class DeadLetterSelection(BaseModel):
    ids: list[StoredNumber] = Field(default_factory=list, max_length=10_000,
                                    description="Dead letter ids")  # fmt: skip
    destination: str | None = Field(default=None, description="Every dead letter of it")


class ReplayRequest(BaseModel):
    destination: str
    from_position: StoredNumber | None = None
    to_position: StoredNumber | None = Field(
        default=None, description=f"Default and most: from_position + {MAX_REPLAY - 1:,}"
    )
    since: datetime | None = None
    until: datetime | None = None
    dry_run: bool = False

    @field_validator("since", "until")
    @classmethod
    def _in_utc(cls, value: datetime | None) -> datetime | None:
        """A time the store can compare: with its offset (UTC if none), years 1970 to 9998."""
        if value is None:
            return None
        try:
            utc = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        except OverflowError:
            raise ValueError("out of range") from None
        if not 1970 <= utc.year <= 9998:
            raise ValueError("must be between 1970 and 9998")
        return utc

    def positions(self) -> tuple[int, int] | None:
        """The position range asked for, bounded: a replay never runs to the head unasked."""
        if self.from_position is None:
            return None
        last = self.to_position or min(self.from_position + MAX_REPLAY - 1, MAX_ROW_ID)
        if last - self.from_position >= MAX_REPLAY:
            raise ProblemError(422, f"replay at most {MAX_REPLAY:,} positions a call")
        return self.from_position, last


@router.get("/deliveries", summary="Deliveries, oldest first")
def list_deliveries(
    gateway: GatewayDep,
    destination: str | None = None,
    status: Status | None = None,
    after_id: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="Last id already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    found = operations.list_deliveries(
        gateway.store, destination=destination, status=status, after_id=after_id, limit=limit
    )
    return [d.as_dict() for d in found]


@router.get("/deliveries/{delivery_id}", summary="One delivery with every attempt")
def show_delivery(gateway: GatewayDep, delivery_id: RowId) -> dict[str, Any]:
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
    first, last = request.positions() or (None, None)
    selection = ReplayRange(first, last, request.since, request.until)
    try:
        outcome = replay(gateway.store, subscription_for(request.destination, wanted), selection,
                         now=time.time(), dry_run=request.dry_run)  # fmt: skip
    except ReplayTooLarge as exc:
        raise ProblemError(422, str(exc)) from None
    return {"events": outcome.events, "requeued": outcome.requeued, "created": outcome.created,
            "already_pending": outcome.already_pending, "dry_run": outcome.dry_run,
            "from_position": first, "to_position": last}  # fmt: skip


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
