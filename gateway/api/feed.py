"""The event feed for the platform (`GET /events`) and single streams (`GET /streams/{id}`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from gateway.api.access import READERS
from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.cloudevents import BATCH_MEDIA_TYPE, to_cloudevent
from gateway.store.feed_pages import feed_page

router = APIRouter(tags=["events"], dependencies=READERS)


@router.get(
    "/events",
    summary="Events after a position, as a CloudEvents batch",
    response_class=Response,
    responses={200: {"content": {BATCH_MEDIA_TYPE: {}}}},
)
def read_feed(
    gateway: GatewayDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Last position already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
) -> Response:
    body, last = feed_page(gateway.store, after=after, limit=limit)
    link = f'</events?after={last}&limit={limit}>; rel="next"'
    return Response(body, media_type=BATCH_MEDIA_TYPE, headers={"Link": link})


@router.get("/streams/{stream_id}", summary="Every event of one stream, in version order")
def read_stream(gateway: GatewayDep, stream_id: str) -> dict[str, Any]:
    events = gateway.store.read_stream(stream_id)
    if not events:
        raise ProblemError(404, f"no events recorded on stream {stream_id!r}")
    return {
        "stream_id": stream_id,
        "version": events[-1].stream_version,
        "events": [to_cloudevent(e) for e in events],
    }
