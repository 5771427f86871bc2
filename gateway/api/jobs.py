"""Scheduled jobs over HTTP: `GET /jobs` (the board) and `POST /jobs/{job}/run` (run it now).

A run asked for here takes the job's lease like a scheduled run: 409 while another holds it.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.api.problems import ProblemError
from gateway.bootstrap import Gateway
from gateway.errors import UnknownJob
from gateway.jobs import JobRunner, RunOutcome, job_statuses

router = APIRouter(tags=["jobs"], dependencies=OPERATOR)


def runner_of(gateway: Gateway) -> JobRunner:
    if gateway.jobs is None:
        raise ProblemError(503, "this gateway runs no scheduled jobs")
    return gateway.jobs


@router.get("/jobs", summary="Each job: schedule, last and next run, outcome, lease holder")
def list_jobs(gateway: GatewayDep) -> list[dict[str, Any]]:
    statuses = job_statuses(gateway.store, gateway.scheduled_jobs(), now=time.time())
    return [status.as_dict() for status in statuses]


@router.post("/jobs/{job}/run", summary="Run a job now, under its lease")
def run_job(gateway: GatewayDep, job: str) -> dict[str, Any]:
    try:
        outcome = runner_of(gateway).run_now(gateway.scheduled_jobs(), job, now=time.time())
    except UnknownJob as exc:
        raise ProblemError(404, str(exc)) from None
    return answered(outcome)


def answered(outcome: RunOutcome) -> dict[str, Any]:
    """200 with the outcome; 409 when another process holds the lease; 500 when it failed."""
    body = {"job": outcome.job, "outcome": outcome.outcome, "detail": outcome.detail,
            "run_id": outcome.run_id}  # fmt: skip
    if outcome.outcome == "skipped":
        raise ProblemError(409, f"{outcome.job} not run: {outcome.detail}", job=outcome.job)
    if outcome.outcome == "failed":
        raise ProblemError(500, f"{outcome.job} failed: {outcome.detail}", run_id=outcome.run_id)
    return body
