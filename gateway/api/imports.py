"""Batch imports over HTTP: list and inspect imports, upload a file into a source."""

from __future__ import annotations

import threading
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from gateway.api.access import OPERATOR
from gateway.api.deps import GatewayDep
from gateway.api.params import RowId
from gateway.api.problems import ProblemError
from gateway.api.uploads import land_upload
from gateway.bootstrap import Gateway
from gateway.imports.engine import BatchSource, ImportResult
from gateway.imports.landing import LandingFolder
from gateway.imports.ledger import ImportRecord

router = APIRouter(tags=["imports"], dependencies=OPERATOR)
FILE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$"


@router.get("/imports", summary="Recent imports, newest first")
def list_imports(
    gateway: GatewayDep,
    source: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    return [asdict(r) for r in gateway.imports.ledger.list(source=source, limit=limit)]


@router.get("/imports/{import_id}", summary="One import: counts, status and its rejects")
def show_import(gateway: GatewayDep, import_id: RowId) -> dict[str, Any]:
    record = gateway.imports.ledger.get(import_id)
    if record is None:
        raise ProblemError(404, f"no import {import_id}")
    rejects = gateway.imports.quarantine.list(import_id=import_id, limit=1000)
    return {**asdict(record), "rejects": [asdict(r) for r in rejects]}


@router.post(
    "/imports/{source}",
    summary="Upload a file into a batch source; 202 with the import's Location",
    status_code=202,
    openapi_extra={"requestBody": {"content": {"application/octet-stream": {}}}},
)
async def upload(
    gateway: GatewayDep,
    source: str,
    request: Request,
    name: Annotated[str, Query(pattern=FILE_NAME, description="the file's legacy name")],
) -> JSONResponse:
    batch = gateway.batch_sources.get(source)
    if batch is None:
        raise ProblemError(404, f"no batch source {source!r}")
    done = batch.config.done_suffix if batch.config.completeness == "done_file" else None
    limit = gateway.config.http.max_upload_bytes
    path = await land_upload(
        request, folder=batch.config.landing, name=name, limit=limit, done_suffix=done
    )
    claim = await run_in_threadpool(gateway.imports.claim, batch, path)  # hashes the file
    headers = {"Location": f"/imports/{claim.record.id}"}
    if not claim.ours:
        result = ImportResult(claim.record, duplicate=True)
        await run_in_threadpool(LandingFolder(batch).settle, path, result)
        return JSONResponse(_body(claim.record, duplicate=True), status_code=200, headers=headers)
    threading.Thread(target=_run, args=(gateway, batch, path, claim.record), daemon=True).start()
    return JSONResponse(_body(claim.record, duplicate=False), status_code=202, headers=headers)


def _run(gateway: Gateway, batch: BatchSource, path: Path, record: ImportRecord) -> None:
    result = gateway.imports.run(batch, path, record)
    LandingFolder(batch).settle(path, result)


def _body(record: ImportRecord, *, duplicate: bool) -> dict[str, Any]:
    return {**asdict(record), "duplicate": duplicate}
