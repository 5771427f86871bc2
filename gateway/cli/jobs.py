"""`gateway jobs list` and `gateway jobs run <job>`: the scheduled jobs of every gateway process.

A manual run takes the job's database lease like a scheduled one: never two runs at once.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import orjson
import typer

from gateway.bootstrap import Gateway
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.errors import UnknownJob
from gateway.jobs import JobRunner, JobStatus, RunOutcome, job_statuses

jobs_app = typer.Typer(help="Scheduled jobs: schedules, runs, leases.", no_args_is_help=True)
EXIT_CODES = {"succeeded": 0, "failed": 1, "skipped": 3}


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")


def runner_of(gateway: Gateway) -> JobRunner:
    assert gateway.jobs is not None
    return gateway.jobs


@jobs_app.command("list")
def jobs_list(
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line")] = False,
) -> None:
    """Each job: its schedule, last run and outcome, next run, and who holds its lease."""
    gateway = open_gateway(config)
    try:
        statuses = job_statuses(gateway.store, gateway.scheduled_jobs(), now=time.time())
    finally:
        gateway.close()
    if as_json:
        for status in statuses:
            typer.echo(orjson.dumps(status.as_dict()).decode())
        return
    typer.echo(f"{'job':<22}{'schedule':<34}{'last run':<22}{'outcome':<11}{'next run':<22}holder")
    for status in statuses:
        typer.echo(describe(status))


def describe(status: JobStatus) -> str:
    last = status.last_run
    started = _short(last.as_dict()["started_at"]) if last else "-"
    return (
        f"{status.name:<22}{status.schedule[:33]:<34}{started:<22}"
        f"{last.outcome if last else '-':<11}{_short(status.next_run):<22}{status.holder or '-'}"
    )


def _short(moment: str | None) -> str:
    """'2026-11-26T22:05:00+00:00' as '2026-11-26 22:05:00Z', in UTC."""
    if moment is None:
        return "-"
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


@jobs_app.command("run")
def jobs_run(job: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run JOB now under its lease; exit 3 when another process is running it."""
    gateway = open_gateway(config)
    try:
        outcome = runner_of(gateway).run_now(gateway.scheduled_jobs(), job, now=time.time())
    except UnknownJob as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        gateway.close()
    report(outcome)


def report(outcome: RunOutcome) -> None:
    typer.echo(
        f"{outcome.job}: {outcome.outcome}" + (f": {outcome.detail}" if outcome.detail else "")
    )
    if outcome.outcome != "succeeded":
        raise typer.Exit(EXIT_CODES[outcome.outcome])
