"""`gateway replay`: a range sent again from the command line, and in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gateway.cli import app
from gateway.delivery import replay
from gateway.store.sql import SqlEventStore
from tests.delivery.ledger import POSTING_TYPES, append_deposits


def replay_config(tmp_path: Path, database_url: str) -> Path:
    destination = {"adapter": "adapters.gl:LedgerDestination", "base_url_env": "GL_BASE_URL",
                   "auth": {"scheme": "bearer", "token_env": "GL_TOKEN"},
                   "events": POSTING_TYPES, "start": "latest"}  # fmt: skip
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": {"url": database_url},
                                    "destinations": {"gl": destination}}))  # fmt: skip
    return path


def deliveries(store: SqlEventStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM deliveries").scalar_one())


def test_a_replay_from_the_cli_is_audited_and_one_too_large_is_refused_whole(
    store: SqlEventStore, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_deposits(store, accounts=2, per_account=3)
    config = str(replay_config(tmp_path, database_url))
    runner = CliRunner()

    done = runner.invoke(app, ["replay", "gl", "--from-position", "1", "--config", config])
    monkeypatch.setattr(replay, "MAX_REPLAY", 2)
    refused = runner.invoke(app, ["replay", "gl", "--since", "2000-01-01", "--config", config])
    audited = runner.invoke(app, ["audit", "list", "--config", config])

    assert done.exit_code == 0, done.output
    assert "6 events in range" in done.stdout
    assert refused.exit_code == 1 and "more than 2 events" in refused.stderr
    assert deliveries(store) == 6  # the refused window added nothing
    entries = [json.loads(line) for line in audited.stdout.splitlines()]
    assert [(e["action"], e["channel"], e["outcome"]) for e in entries] == [
        ("replay", "cli", "refused"), ("replay", "cli", "done"),
    ]  # fmt: skip
    assert entries[1]["target"] == "gl positions 1-" and "new 6" in entries[1]["detail"]
    assert entries[0]["target"].startswith("gl 2000-01-01T00:00:00")
