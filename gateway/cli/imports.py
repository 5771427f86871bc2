"""`gateway import`, `gateway imports …` and `gateway rejects …`: batch imports by hand.

Files given by name are imported where they lie; without names, the landing folder is read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from gateway.bootstrap import Gateway
from gateway.cli.audit import recorded
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.cli.output import (
    FAILED,
    Column,
    JsonOption,
    fail,
    right,
    say,
    show_record,
    show_rows,
    usage_error,
)
from gateway.errors import LandingRefused
from gateway.imports.engine import BatchSource, ImportResult
from gateway.imports.engine import Progress as ProgressCallback
from gateway.imports.landing import LandingFolder, import_landed
from gateway.imports.replay import replay_rejects
from gateway.operations.readable import elapsed, moment

imports_app = typer.Typer(help="Batch imports.", no_args_is_help=True)
rejects_app = typer.Typer(help="Quarantined records.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)
    app.add_typer(imports_app, name="imports")
    app.add_typer(rejects_app, name="rejects")


def import_files(
    source: Annotated[str, typer.Argument(help="The batch source, e.g. cbs-postings")],
    files: Annotated[list[Path] | None, typer.Argument(help="Files (default: landed)")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Import files now: those named, or every complete file in the landing folder."""
    gateway = open_gateway(config)
    try:
        batch = _source(gateway, source)
        landing = LandingFolder(batch)
        with _progress() as progress:
            if files:
                results = [_import_one(gateway, batch, landing, path, progress) for path in files]
            else:
                results = import_landed(gateway.imports, landing, progress=progress)
        for result in results:
            say(_summary(result))
        if not results:
            say(f"no complete file in {batch.config.landing}")
        if any(r.record.status == "failed" for r in results):
            raise typer.Exit(1)
    finally:
        gateway.close()


def _import_one(
    gateway: Gateway, batch: BatchSource, landing: LandingFolder, path: Path,
    progress: ProgressCallback | None,
) -> ImportResult:  # fmt: skip
    if not path.is_file():
        usage_error(f"{path} is not a file")
    try:
        result = gateway.imports.import_file(batch, path, progress=progress)
    except LandingRefused as refused:
        usage_error(str(refused))
    in_landing = path.resolve().parent == batch.config.landing.resolve()
    if in_landing and result.record.status != "running":  # another process is importing it
        landing.settle(path, result)
    return result


@contextmanager
def _progress() -> Iterator[ProgressCallback | None]:
    if not sys.stderr.isatty():
        yield None
        return
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("records", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _summary(result: ImportResult) -> str:
    r = result.record
    if result.duplicate:
        return f"{r.file_name}: already imported as import {r.id} ({r.status}); nothing added"
    duration = elapsed(r.started_at, r.finished_at)
    line = (
        f"import {r.id} {r.file_name}: {r.status}; {r.records} records, {r.accepted} accepted, "
        f"{r.events} events, {r.rejected} rejected, {r.already_recorded} already recorded, "
        f"{duration}"
    )
    return f"{line}\n  reason: {r.reason}" if r.reason else line


def _source(gateway: Gateway, name: str) -> BatchSource:
    batch = gateway.batch_sources.get(name)
    if batch is None:
        known = ", ".join(sorted(gateway.batch_sources)) or "none"
        usage_error(f"no batch source {name!r} (configured: {known})")
    return batch


IMPORT_COLUMNS = (
    right("id"), Column("source"), Column("status"), right("records"), right("events"),
    right("rejected"), Column("started_at", "started", render=moment),
    Column("duration"), Column("file_name", "file"), Column("reason"),
)  # fmt: skip
REJECT_COLUMNS = (
    right("id"), right("import_id", "import"), right("record_number", "record"),
    Column("status"), Column("code"), Column("field"), Column("reason"),
)  # fmt: skip


@imports_app.command("list")
def imports_list(
    source: Annotated[str | None, typer.Option(help="Only this source")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Recent imports, newest first."""
    gateway = open_gateway(config)
    try:
        found = gateway.imports.ledger.list(source=source, limit=limit)
    finally:
        gateway.close()
    rows = [{**asdict(r), "duration": elapsed(r.started_at, r.finished_at)} for r in found]
    show_rows(rows, columns=IMPORT_COLUMNS, as_json=as_json, title="Imports")


@imports_app.command("show")
def imports_show(
    import_id: int, config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False
) -> None:
    """One import: counts, status and the reason it failed."""
    gateway = open_gateway(config)
    try:
        record = gateway.imports.ledger.get(import_id)
    finally:
        gateway.close()
    if record is None:
        fail(f"no import {import_id}")
    show_record(asdict(record), as_json=as_json)


@imports_app.command("retry")
def imports_retry(import_id: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Import a failed import's file again (from the error folder), once its cause is fixed."""
    gateway = open_gateway(config)
    try:
        failed = gateway.imports.ledger.get(import_id)
        if failed is None or failed.status != "failed":
            state = f"is {failed.status}" if failed else "does not exist"
            fail(f"import {import_id} {state}; only a failed one is retried")
        again = gateway.imports.ledger.find(failed.source, failed.sha256)
        if again is not None:
            fail(f"import {import_id} was run again as import {again.id} ({again.status})")
        batch = _source(gateway, failed.source)
        landing = LandingFolder(batch)
        path = landing.error / f"{failed.id:06d}-{failed.file_name}"
        if not path.is_file():
            fail(f"{path} is no longer there to import again")
        result = gateway.imports.import_file(batch, path, name=failed.file_name)
        if result.record.status != "running":
            landing.settle(path, result, name=failed.file_name)
        say(_summary(result))
        if result.record.status == "failed":
            raise typer.Exit(FAILED)
    finally:
        gateway.close()


@rejects_app.command("list")
def rejects_list(
    import_id: Annotated[int | None, typer.Option("--import", help="Only this import")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Quarantined records: import, record number, field and reason."""
    gateway = open_gateway(config)
    try:
        found = gateway.imports.quarantine.list(import_id=import_id)
    finally:
        gateway.close()
    show_rows([asdict(r) for r in found], columns=REJECT_COLUMNS, as_json=as_json,
              title="Quarantined records")  # fmt: skip


@rejects_app.command("replay")
def rejects_replay(
    reject_ids: Annotated[list[int] | None, typer.Argument(help="Reject ids")] = None,
    import_id: Annotated[int | None, typer.Option("--import", help="Every reject of it")] = None,
    config: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Run quarantined records again, once their cause is fixed."""
    gateway = open_gateway(config)
    try:
        quarantine = gateway.imports.quarantine
        chosen = quarantine.list(import_id=import_id, status="quarantined")
        if reject_ids:
            chosen = [r for r in chosen if r.id in set(reject_ids)]
        outcomes = replay_rejects(gateway.bus, gateway.batch_sources, chosen)
        for outcome in outcomes:
            verdict = "replayed" if outcome.replayed else f"still refused: {outcome.reason}"
            say(f"reject {outcome.reject.id} (record {outcome.reject.record_number}): {verdict}")
        summary = f"{sum(o.replayed for o in outcomes)} of {len(outcomes)} replayed"
        say(summary)
        recorded(gateway, action="replay", target=" ".join(str(r.id) for r in chosen) or "-",
                 outcome="done" if all(o.replayed for o in outcomes) else "refused",
                 detail=summary)  # fmt: skip
    finally:
        gateway.close()
    if not all(o.replayed for o in outcomes):
        raise typer.Exit(FAILED)
