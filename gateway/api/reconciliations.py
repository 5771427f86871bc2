"""Reconciliations over HTTP: `GET /reconciliations` and `GET /reconciliations/{day}` (operators).

Each difference names the postings that explain it, with their delivery ids (`/deliveries/{id}`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.bootstrap import Gateway
from gateway.reconciliation.results import ReconciliationBook
from gateway.reconciliation.views import day_view, parse_day

router = APIRouter(tags=["reconciliations"], dependencies=OPERATOR)
Day = Annotated[str, Path(description="The ledger's business date: 2026-11-26 or 20261126")]
System = Annotated[str | None, Query(description="The ledger, e.g. gl (default: the only one)")]


@router.get("/reconciliations", summary="Each reconciled day's current result, newest first")
def list_reconciliations(
    gateway: GatewayDep,
    system: Annotated[str | None, Query(description="Only this ledger")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    return [r.as_dict() for r in _book(gateway).recent(system=system, limit=limit)]


@router.get(
    "/reconciliations/{day}",
    summary="One day's result: every difference with its postings, and the results it replaced",
)
def show_reconciliation(gateway: GatewayDep, day: Day, system: System = None) -> dict[str, Any]:
    try:
        parsed = parse_day(day)
    except ValueError as exc:
        raise ProblemError(422, str(exc)) from None
    chosen = system or _only_system(gateway)
    view = day_view(_book(gateway), system=chosen, day=parsed)
    if view is None:
        raise ProblemError(404, f"no reconciliation of {chosen} for {parsed}")
    return view.as_dict()


def _book(gateway: Gateway) -> ReconciliationBook:
    if gateway.reconciler is None:
        raise ProblemError(404, "reconciliation is not configured")
    return gateway.reconciler.book


def _only_system(gateway: Gateway) -> str:
    systems = sorted({s.system for s in gateway.reconciliation_sources.values()})
    if len(systems) != 1:
        raise ProblemError(422, f"name the ledger with ?system= (configured: {systems})")
    return systems[0]
