"""Inbound sources over HTTP: each source's state (`GET /sources`) and a poll source's quarantine.

The same lines as `gateway sources list` and `gateway sources rejects`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.overview import source_lines
from gateway.polling.rejects import RejectStatus, list_poll_rejects

router = APIRouter(tags=["sources"], dependencies=OPERATOR)


@router.get("/sources", summary="Each inbound source: kind, state, last success and error, cursor")
def list_sources(gateway: GatewayDep) -> list[dict[str, Any]]:
    return [asdict(line) for line in source_lines(gateway)]


@router.get("/sources/{source}/rejects", summary="Quarantined items of a poll source, oldest first")
def list_source_rejects(
    gateway: GatewayDep,
    source: str,
    status: RejectStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    if source not in gateway.config.sources:
        raise ProblemError(404, f"no source {source!r}")
    found = list_poll_rejects(gateway.store, source=source, status=status, limit=limit)
    return [asdict(reject) for reject in found]
