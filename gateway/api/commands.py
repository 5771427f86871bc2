"""The command status resource: `GET /commands/{id}`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.cloudevents import to_cloudevent

router = APIRouter(tags=["commands"])


@router.get("/commands/{command_id}", summary="What became of a command, with its events")
def read_command(gateway: GatewayDep, command_id: str) -> dict[str, Any]:
    record = gateway.store.get_command(command_id)
    if record is None:
        raise ProblemError(404, f"no command {command_id!r} was ever received")
    events = []
    if record.first_position is not None and record.last_position is not None:
        events = gateway.store.read_positions(record.first_position, record.last_position)
    return {**asdict(record), "events": [to_cloudevent(e) for e in events]}
