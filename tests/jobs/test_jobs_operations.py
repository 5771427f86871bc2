"""Operators' view of jobs and exports: `gateway jobs|exports ...` and the same over HTTP.

Real clock, real files: the last business day that has ended is exported for real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway.bootstrap import Gateway, build
from gateway.cli import app
from gateway.config import load_config
from gateway.exports.days import BusinessDays
from tests.http_server import app_client

runner = CliRunner()
LONDON = BusinessDays(ends_at=time(22, 0), timezone="Europe/London")


def write_config(folder: Path, database_url: str) -> Path:
    path = folder / "config.yaml"
    path.write_text(f"""\
database: {{url: "{database_url}"}}
log: {{format: json}}
exports:
  stmt:
    adapter: adapters.stmt:StatementFile
    events: [FundsDeposited, FundsWithdrawn, FeeCharged, InterestCredited, PostingReversed]
    folder: {folder / "stmt"}
    file_name: "STMT_{{day:%Y%m%d}}.TXT"
    marker_name: "STMT_{{day:%Y%m%d}}.OK"
    schedule: {{cron: "5 22 * * *"}}
    sla: {{due_by: "22:30"}}
""")
    return path


def last_closed() -> str:
    return LONDON.last_closed(datetime.now(UTC)).strftime("%Y%m%d")


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    return write_config(tmp_path, database_url)


def cli(*args: str) -> tuple[int, str]:
    """Exit code and what was printed: standard output, or the error when it failed."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_jobs_list_names_each_job_its_schedule_and_next_run(config: Path) -> None:
    code, output = cli("jobs", "list", "--config", str(config), "--json")

    assert code == 0, output
    jobs = {line["name"]: line for line in map(json.loads, output.splitlines())}
    assert set(jobs) == {"export:stmt", "export-sla:stmt"}
    assert jobs["export:stmt"]["next_run"].endswith(("22:05:00+00:00", "22:05:00+01:00"))
    assert jobs["export:stmt"]["last_outcome"] is None


def test_jobs_run_runs_the_export_now_and_the_board_shows_it(config: Path) -> None:
    code, output = cli("jobs", "run", "export:stmt", "--config", str(config))

    assert code == 0, output
    assert f"wrote STMT_{last_closed()}.TXT (0 records)" in output
    assert (config.parent / "stmt" / f"STMT_{last_closed()}.OK").exists()
    code, board = cli("jobs", "list", "--config", str(config))
    jobs = {line["name"]: line for line in map(json.loads, board.splitlines())}
    assert jobs["export:stmt"]["last_outcome"] == "succeeded"


def test_an_unknown_job_is_refused_with_the_jobs_named(config: Path) -> None:
    code, output = cli("jobs", "run", "export:gl", "--config", str(config))

    assert code == 2
    assert "export:stmt, export-sla:stmt" in output


def test_exports_rerun_replaces_a_days_file_and_show_prints_its_manifest(config: Path) -> None:
    day = last_closed()
    cli("exports", "run", "stmt", "--config", str(config))

    code, output = cli("exports", "rerun", "stmt", day, "--config", str(config))
    assert code == 0, output
    code, shown = cli("exports", "show", "stmt", day, "--config", str(config))

    manifest = json.loads(shown)
    assert (manifest["record_count"], manifest["exports"]) == (0, 2)
    assert f"sha256 {manifest['sha256']}" in output


def test_a_day_that_has_not_ended_is_not_rerun(config: Path) -> None:
    code, output = cli("exports", "rerun", "stmt", "2099-01-01", "--config", str(config))

    assert code == 2
    assert "has not ended yet" in output


@pytest.fixture
def gateway(config: Path) -> Iterator[Gateway]:
    gateway = build(load_config(config))
    yield gateway
    gateway.close()


@pytest.fixture
def http(gateway: Gateway) -> Iterator[httpx.Client]:
    with app_client(gateway) as client:
        yield client


def test_the_same_jobs_and_exports_over_http(http: httpx.Client) -> None:
    ran = http.post("/jobs/export:stmt/run", json={})
    assert ran.status_code == 200, ran.text
    assert ran.json()["outcome"] == "succeeded"

    jobs = {job["name"]: job for job in http.get("/jobs").json()}
    assert jobs["export:stmt"]["last_outcome"] == "succeeded"
    [stmt] = http.get("/exports").json()
    assert (stmt["job"], stmt["pending_days"]) == ("stmt", [])
    day = datetime.strptime(last_closed(), "%Y%m%d").date().isoformat()
    manifest = http.get(f"/exports/stmt/{day}").json()
    assert manifest["file_name"] == f"STMT_{last_closed()}.TXT"
    assert http.post(f"/exports/stmt/{day}/rerun", json={}).json()["outcome"] == "succeeded"
    assert [line["name"] for line in http.get("/sla").json()] == ["stmt"]


def test_http_answers_problems_for_unknown_jobs_and_unended_days(http: httpx.Client) -> None:
    unknown = http.post("/jobs/nope/run", json={})
    unended = http.post("/exports/stmt/2099-01-01/rerun", json={})

    assert (unknown.status_code, unended.status_code) == (404, 422)
    assert unknown.headers["content-type"] == "application/problem+json"
    assert "has not ended yet" in unended.json()["detail"]
