"""`gateway exports list | run | rerun | show`: scheduled file exports by hand.

Runs and reruns take the export job's lease (`export:<job>`), like its scheduled runs.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer

from gateway.bootstrap import Gateway
from gateway.cli.jobs import audit_run, report, runner_of
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.cli.output import Column, JsonOption, fail, show_record, show_rows, usage_error
from gateway.exports.engine import ExportJob
from gateway.exports.manifests import load_manifest
from gateway.exports.report import export_status

exports_app = typer.Typer(help="Scheduled file exports (STMT).", no_args_is_help=True)
DayArgument = Annotated[str, typer.Argument(help="The business day, YYYY-MM-DD or YYYYMMDD")]


def register(app: typer.Typer) -> None:
    app.add_typer(exports_app, name="exports")


def _export(gateway: Gateway, name: str) -> ExportJob:
    export = gateway.exports.get(name)
    if export is None:
        gateway.close()
        known = ", ".join(gateway.exports) or "none"
        usage_error(f"no export {name!r} in the config; the exports are: {known}")
    return export


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        usage_error(f"{text!r} is not a day (YYYY-MM-DD)")


def _days(days: list[Any]) -> str:
    return ", ".join(str(d) for d in days) or "-"


def _late(late: list[dict[str, Any]]) -> str:
    return ", ".join(f"{d['business_day']}: {d['events']}" for d in late) or "-"


def _files(files: list[dict[str, Any]]) -> str:
    return ", ".join(str(f.get("file_name")) for f in files[:3]) or "-"


EXPORT_COLUMNS = (
    Column("job"), Column("schedule"), Column("position", justify="right"),
    Column("pending_days", "days pending", render=_days), Column("late", render=_late),
    Column("files", "latest files", render=_files), Column("folder"),
)  # fmt: skip


@exports_app.command("list")
def exports_list(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Each export: folder, schedule, feed position, days pending, late events, latest files."""
    gateway = open_gateway(config)
    try:
        now = datetime.now(UTC)
        rows = [export_status(export, now=now) for export in gateway.exports.values()]
    finally:
        gateway.close()
    show_rows(rows, columns=EXPORT_COLUMNS, as_json=as_json, title="Exports")


@exports_app.command("run")
def exports_run(job: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Export every closed business day of JOB not yet written, now."""
    gateway = open_gateway(config)
    export = _export(gateway, job)
    try:
        outcome = runner_of(gateway).run(
            f"export:{job}", export.run, due_at=time.time(), trigger="manual"
        )
    finally:
        gateway.close()
    report(outcome)


@exports_app.command("rerun")
def exports_rerun(job: str, day: DayArgument, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Write DAY's file of JOB again with every event known now, replacing it atomically."""
    business_day = _day(day)
    gateway = open_gateway(config)
    export = _export(gateway, job)
    if business_day > export.days.last_closed(datetime.now(UTC)):
        gateway.close()
        usage_error(f"business day {business_day} has not ended yet")
    try:
        outcome = runner_of(gateway).run(
            f"export:{job}", lambda: _written(export, business_day), due_at=time.time(),
            trigger="manual",
        )  # fmt: skip
        audit_run(gateway, "rerun-export", f"{job} {business_day}", outcome)
    finally:
        gateway.close()
    report(outcome)


def _written(export: ExportJob, day: date) -> str:
    manifest = export.rerun(day)
    return f"{manifest.file_name}: {manifest.record_count} records, sha256 {manifest.sha256}"


@exports_app.command("show")
def exports_show(
    job: str, day: DayArgument, config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False
) -> None:
    """The manifest of DAY's file of JOB: positions, count, control total, SHA-256."""
    gateway = open_gateway(config)
    export = _export(gateway, job)
    try:
        manifest = load_manifest(gateway.store, export.name, _day(day))
    finally:
        gateway.close()
    if manifest is None:
        fail(f"no {job} file was written for {day}")
    show_record(manifest.as_dict(), as_json=as_json)
