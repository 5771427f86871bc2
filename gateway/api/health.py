"""Liveness and metrics: `/healthz` and `/metrics`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.api.access import ANYONE
from gateway.api.deps import GatewayDep

router = APIRouter(tags=["operations"], dependencies=ANYONE)


@router.get("/healthz", summary="The gateway is up and its database answers")
def healthz(gateway: GatewayDep) -> dict[str, Any]:
    return {"status": "ok", "head_position": gateway.store.head_position()}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
