"""`gateway jobs list` and `gateway jobs run <job>`: the scheduled jobs of every gateway process.

A manual run takes the job's database lease like a scheduled one: never two runs at once.
"""

from __future__ import annotations

import time
from typing import Any

import typer

from gateway.bootstrap import Gateway
from gateway.cli.audit import recorded
from gateway.cli.options import DEFAULT_CONFIG, ConfigOption, open_gateway
from gateway.cli.output import FAILED, Column, JsonOption, say, show_rows, usage_error
from gateway.errors import UnknownJob
from gateway.jobs import JobRunner, RunOutcome, job_statuses
from gateway.operations.actions import JOB_OUTCOMES
from gateway.operations.readable import moment

jobs_app = typer.Typer(help="Scheduled jobs: schedules, runs, leases.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")


def runner_of(gateway: Gateway) -> JobRunner:
    assert gateway.jobs is not None
    return gateway.jobs


def _started(last_run: dict[str, Any]) -> str:
    return moment(last_run["started_at"])


JOB_COLUMNS = (
    Column("name", "job"), Column("schedule"), Column("last_run", "last run", render=_started),
    Column("last_outcome", "outcome"), Column("next_run", "next run", render=moment),
    Column("holder", "lease holder"),
)  # fmt: skip


@jobs_app.command("list")
def jobs_list(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Each job: its schedule, last run and outcome, next run, and who holds its lease."""
    gateway = open_gateway(config)
    try:
        statuses = job_statuses(gateway.store, gateway.scheduled_jobs(), now=time.time())
    finally:
        gateway.close()
    rows = [status.as_dict() for status in statuses]
    show_rows(rows, columns=JOB_COLUMNS, as_json=as_json, title="Scheduled jobs")


@jobs_app.command("run")
def jobs_run(job: str, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run JOB now under its lease; exit 1 when it failed or another process is running it."""
    gateway = open_gateway(config)
    try:
        outcome = runner_of(gateway).run_now(gateway.scheduled_jobs(), job, now=time.time())
        audit_run(gateway, "run-job", job, outcome)
    except UnknownJob as exc:
        usage_error(str(exc))
    finally:
        gateway.close()
    report(outcome)


def audit_run(gateway: Gateway, action: str, target: str, outcome: RunOutcome) -> None:
    verdict = JOB_OUTCOMES.get(outcome.outcome, "failed")
    recorded(gateway, action=action, target=target, outcome=verdict,
             detail=f"{outcome.job}: {outcome.outcome}" + (f": {outcome.detail}"
                                                           if outcome.detail else ""))  # fmt: skip


def report(outcome: RunOutcome) -> None:
    say(f"{outcome.job}: {outcome.outcome}" + (f": {outcome.detail}" if outcome.detail else ""))
    if outcome.outcome != "succeeded":
        raise typer.Exit(FAILED)
