"""The command status resource: `GET /commands/{id}`, with long polling (`?wait=`).

A caller that was answered `202` waits here for its result instead of polling in a loop.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response

from gateway.api.access import READERS
from gateway.api.problems import ProblemError
from gateway.api.waiting import wait_for_change
from gateway.cloudevents import to_cloudevent
from gateway.delivery.operations import deliveries_for_positions
from gateway.imports.claims import imported_command
from gateway.store.sql import SqlEventStore

router = APIRouter(tags=["commands"], dependencies=READERS)


@router.get(
    "/commands/{command_id}",
    summary="What became of a command, with its events",
    description="With `wait=N` the answer comes as soon as the command is known (or, with "
    "`If-None-Match`, as soon as its status differs from that ETag), or after N seconds.",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}, 304: {"description": "Unchanged"}},
)
async def read_command(
    request: Request,
    command_id: str,
    wait: Annotated[float, Query(ge=0, le=30, description="Seconds to wait for a change")] = 0,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    store: SqlEventStore = request.app.state.gateway.store
    status = await wait_for_change(
        lambda: command_status(store, command_id),
        changed=lambda s: s is not None and etag(s) != if_none_match,
        wait=wait,
    )
    if status is None:
        raise ProblemError(404, f"no command {command_id!r} was ever received")
    tag = etag(status)
    if tag == if_none_match:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(status, media_type="application/json", headers={"ETag": tag})


def command_status(store: SqlEventStore, command_id: str) -> bytes | None:
    """The command's record and events as JSON, or None while it is unknown."""
    record = store.get_command(command_id) or imported_command(store, command_id)
    if record is None:
        return None
    events = []
    if record.first_position is not None and record.last_position is not None:
        events = store.read_positions(record.first_position, record.last_position)
    body: dict[str, Any] = {**asdict(record), "events": [to_cloudevent(e) for e in events]}
    if events:  # the outbound deliveries that followed from the command's events
        followed = deliveries_for_positions(store, events[0].position, events[-1].position)
        body["deliveries"] = [d.as_dict() for d in followed]
    return orjson.dumps(body)


def etag(status: bytes) -> str:
    return '"' + hashlib.sha256(status).hexdigest()[:32] + '"'
