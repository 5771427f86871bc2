"""File exports over HTTP: each export's status, a day's manifest, and a day's rerun.

`POST /exports/{job}/{day}/rerun` replaces the day's file atomically, under the job's lease.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.api.jobs import answered, runner_of
from gateway.api.params import BusinessDay
from gateway.api.problems import ProblemError
from gateway.bootstrap import Gateway
from gateway.exports.engine import ExportJob
from gateway.exports.manifests import load_manifest
from gateway.exports.report import export_status

router = APIRouter(tags=["exports"], dependencies=OPERATOR)


def _export(gateway: Gateway, job: str) -> ExportJob:
    export = gateway.exports.get(job)
    if export is None:
        raise ProblemError(404, f"no export {job!r}")
    return export


@router.get("/exports", summary="Each export: folder, position, pending days, late events")
def list_exports(gateway: GatewayDep) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [export_status(export, now=now) for export in gateway.exports.values()]


@router.get("/exports/{job}/{day}", summary="The manifest of one day's file")
def show_manifest(gateway: GatewayDep, job: str, day: BusinessDay) -> dict[str, Any]:
    manifest = load_manifest(gateway.store, _export(gateway, job).name, day)
    if manifest is None:
        raise ProblemError(404, f"no {job} file was written for {day}")
    return manifest.as_dict()


@router.post("/exports/{job}/{day}/rerun", summary="Write a day's file again, replacing it")
def rerun(gateway: GatewayDep, job: str, day: BusinessDay) -> dict[str, Any]:
    export = _export(gateway, job)
    if day > export.days.last_closed(datetime.now(UTC)):
        raise ProblemError(422, f"business day {day} has not ended yet")

    def write() -> str:
        manifest = export.rerun(day)
        return f"{manifest.file_name}: {manifest.record_count} records, sha256 {manifest.sha256}"

    outcome = runner_of(gateway).run(f"export:{job}", write, due_at=time.time(),
                                     trigger="manual")  # fmt: skip
    return answered(outcome)
