"""`gateway exports list | run | rerun | show`: scheduled file exports by hand.

Runs and reruns take the export job's lease (`export:<job>`), like its scheduled runs.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Annotated, Any

import orjson
import typer

from gateway.bootstrap import Gateway
from gateway.cli.jobs import report, runner_of
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.exports.engine import ExportJob
from gateway.exports.manifests import load_manifest
from gateway.exports.report import export_status

exports_app = typer.Typer(help="Scheduled file exports (STMT).", no_args_is_help=True)
DayArgument = Annotated[str, typer.Argument(help="The business day, YYYY-MM-DD or YYYYMMDD")]


def register(app: typer.Typer) -> None:
    app.add_typer(exports_app, name="exports")


def _pretty(value: Any) -> None:
    typer.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def _export(gateway: Gateway, name: str) -> ExportJob:
    export = gateway.exports.get(name)
    if export is None:
        gateway.close()
        known = ", ".join(gateway.exports) or "none"
        typer.echo(f"error: no export {name!r} in the config; the exports are: {known}", err=True)
        raise typer.Exit(2)
    return export


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: {text!r} is not a day (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


@exports_app.command("list")
def exports_list(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Each export: folder, schedule, feed position, days pending, late events, latest files."""
    gateway = open_gateway(config)
    try:
        now = datetime.now(UTC)
        _pretty([export_status(export, now=now) for export in gateway.exports.values()])
    finally:
        gateway.close()


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
        typer.echo(f"error: business day {business_day} has not ended yet", err=True)
        raise typer.Exit(2)
    try:
        outcome = runner_of(gateway).run(
            f"export:{job}", lambda: _written(export, business_day), due_at=time.time(),
            trigger="manual",
        )  # fmt: skip
    finally:
        gateway.close()
    report(outcome)


def _written(export: ExportJob, day: date) -> str:
    manifest = export.rerun(day)
    return f"{manifest.file_name}: {manifest.record_count} records, sha256 {manifest.sha256}"


@exports_app.command("show")
def exports_show(job: str, day: DayArgument, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """The manifest of DAY's file of JOB: positions, count, control total, SHA-256."""
    gateway = open_gateway(config)
    export = _export(gateway, job)
    try:
        manifest = load_manifest(gateway.store, export.name, _day(day))
    finally:
        gateway.close()
    if manifest is None:
        typer.echo(f"error: no {job} file was written for {day}", err=True)
        raise typer.Exit(1)
    _pretty(manifest.as_dict())
