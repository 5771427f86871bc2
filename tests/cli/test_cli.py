"""The `gateway` command line, as an operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from gateway.bootstrap import build
from gateway.cli import app
from gateway.config import load_config
from tests.http_server import free_port
from tests.store.test_command_bus import deposit, open_account

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def write_config(folder: Path, database_url: str, extra: str = "") -> Path:
    path = folder / "config.yaml"
    path.write_text(f"database:\n  url: {database_url}\nlog:\n  format: json\n{extra}")
    return path


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/var/gateway.db")

    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert "head position 0" in result.output
    assert (tmp_path / "var" / "gateway.db").exists()


def test_events_tail_prints_one_cloudevent_a_line(tmp_path: Path, database_url: str) -> None:
    config = write_config(tmp_path, database_url)
    gateway = build(load_config(config))
    gateway.bus.handle(open_account())
    gateway.bus.handle(deposit("TX1"))
    gateway.close()

    result = runner.invoke(app, ["events", "tail", "--after", "1", "--config", str(config)])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["position"], e["type"]) for e in lines] == [(2, "bank.FundsDeposited.v2")]


def test_contracts_check_passes_on_the_shipped_samples() -> None:
    result = runner.invoke(app, ["contracts", "check", "--samples", str(ROOT / "tests/contracts")])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("0 failed")


def test_a_wrong_config_value_stops_with_its_path(tmp_path: Path) -> None:
    extra = "sources:\n  cbs:\n    kind: batch\n    adapter: adapters.cbs:postings\n"
    config = write_config(tmp_path, "sqlite:///x.db", extra + "    encoding: cp999\n")

    result = runner.invoke(app, ["db", "upgrade", "--config", str(config)])

    assert result.exit_code == 2
    assert "sources.cbs.encoding: unknown codec 'cp999'" in result.output


def test_gateway_run_serves_healthz_within_a_few_seconds(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite:///{tmp_path}/gateway.db")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "run", "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        answer = _wait_for(f"http://127.0.0.1:{port}/healthz", seconds=15)
        assert answer.json() == {"status": "ok", "head_position": 0}
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0].decode()
    assert f"listening on http://127.0.0.1:{port}" in output


def _wait_for(url: str, *, seconds: float) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
