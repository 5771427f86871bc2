"""The event feed for the platform (`GET /events`) and single streams (`GET /streams/{id}`)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response

from gateway.api.access import READERS
from gateway.api.deps import GatewayDep
from gateway.api.feed_lane import DEFAULT_LIMIT, MAX_LIMIT, MAX_POSITION, feed_link
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
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="Last position already seen")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    # Most calls are answered by the lean lane (`gateway.api.feed_lane`), with the same page;
    # this route answers the rest, every refusal among them, and documents the endpoint.
    body, last = feed_page(gateway.store, after=after, limit=limit)
    return Response(body, media_type=BATCH_MEDIA_TYPE, headers={"Link": feed_link(last, limit)})


@router.get(
    "/streams/{stream_id}",
    summary="One stream's events in version order, a page at a time",
    description="`version` is the last version on the page; while more follow, the "
    '`Link: <…>; rel="next"` header gives the next page.',
)
def read_stream(
    gateway: GatewayDep,
    stream_id: Annotated[str, Path(max_length=200)],
    response: Response,
    after_version: Annotated[int, Query(ge=0, le=2**63 - 1, description="Last version seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> dict[str, Any]:
    events = gateway.store.read_stream(stream_id, after_version=after_version, limit=limit + 1)
    if not events and after_version == 0:
        raise ProblemError(404, f"no events recorded on stream {stream_id!r}")
    page = events[:limit]
    version = page[-1].stream_version if page else after_version
    if len(events) > limit:
        link = f"</streams/{quote(stream_id, safe='')}?after_version={version}&limit={limit}>"
        response.headers["Link"] = f'{link}; rel="next"'
    return {
        "stream_id": stream_id,
        "version": version,
        "events": [to_cloudevent(e) for e in page],
    }
