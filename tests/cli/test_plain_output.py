"""The command line speaks plainly: each command prints its answer and nothing of the start.

Migrations and disabled sources are the serving commands' story, or `--verbose`'s; a list is
JSON lines when piped (a table only on a terminal), and the exit code says what happened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from gateway.cli import app
from gateway.cli.output import Column, right, table_of
from gateway.operations.readable import duration

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
# Both secrets unset: each source is disabled, which `gateway run` logs at start.
SOURCES = """
sources:
  crm:
    kind: webhook
    adapter: adapters.crm.inbound:CrmWebhooks
    auth: {scheme: basic, user_env: NO_SUCH_USER_VARIABLE, password_env: NO_SUCH_PASSWORD}
  cards:
    kind: poll
    adapter: adapters.cards.status_changes:CardsStatusChanges
    base_url_env: NO_SUCH_URL_VARIABLE
    token_env: NO_SUCH_TOKEN_VARIABLE
    schedule: {every_seconds: 60}
"""
LIST_COMMANDS = [
    ["imports", "list"],
    ["rejects", "list"],
    ["sources", "list"],
    ["sources", "rejects"],
    ["deliveries", "list"],
    ["dlq", "list"],
    ["jobs", "list"],
    ["exports", "list"],
    ["sla", "report"],
    ["audit", "list"],
]


def fresh_config(folder: Path, database_url: str) -> Path:
    path = folder / "config.yaml"
    path.write_text(f"database:\n  url: {database_url}\nlog:\n  format: json\n{SOURCES}")
    return path


@pytest.mark.parametrize("command", LIST_COMMANDS, ids=" ".join)
def test_a_list_command_prints_its_answer_and_no_log_line(
    command: list[str], tmp_path: Path, database_url: str
) -> None:
    config = fresh_config(tmp_path, database_url)  # a new database: every migration runs

    result = runner.invoke(app, [*command, "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    for line in result.stdout.splitlines():
        row = json.loads(line)
        assert "level" not in row and "logger" not in row, line


def test_verbose_tells_the_start_on_standard_error_only(tmp_path: Path) -> None:
    config = fresh_config(tmp_path, f"sqlite:///{tmp_path}/gateway.db")

    result = runner.invoke(app, ["--verbose", "sources", "list", "--config", str(config)])

    assert result.exit_code == 0, result.output
    logged = [json.loads(line)["message"] for line in result.stderr.splitlines()]
    assert any("Running upgrade" in message for message in logged)
    assert any("webhook source crm is disabled" in message for message in logged)
    assert {json.loads(line)["name"] for line in result.stdout.splitlines()} == {"crm", "cards"}


def test_piped_imports_list_prints_nothing_on_an_empty_database(tmp_path: Path) -> None:
    """As a script runs it: a real process, its output a pipe."""
    config = fresh_config(tmp_path, f"sqlite:///{tmp_path}/gateway.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "imports", "list", "--config", str(config)],
        capture_output=True, env=env, timeout=60, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == (b"", b"")


def test_usage_errors_exit_2_and_refusals_exit_1(tmp_path: Path) -> None:
    config = fresh_config(tmp_path, f"sqlite:///{tmp_path}/gateway.db")

    unknown_source = runner.invoke(app, ["import", "nope", "--config", str(config)])
    no_such_import = runner.invoke(app, ["imports", "show", "7", "--config", str(config)])
    bad_option = runner.invoke(app, ["imports", "list", "--limit", "0", "--config", str(config)])

    assert unknown_source.exit_code == 2
    assert unknown_source.stderr.startswith("error: no batch source 'nope'")
    assert no_such_import.exit_code == 1
    assert no_such_import.stderr == "error: no import 7\n"
    assert bad_option.exit_code == 2


def test_a_table_on_a_terminal_reads_as_a_person_would() -> None:
    rows = [{"name": "gl", "p99": 26_379.03, "pending": 3, "reason": None}]
    columns = [Column("name"), Column("p99", render=duration), right("pending"), "reason"]
    console = Console(width=80, record=True)

    console.print(table_of(rows, columns=columns, title="SLAs"))

    text = console.export_text()
    assert "7 h 19 min" in text and "26379" not in text
    assert "SLAs" in text and "reason" in text and " - " in text
