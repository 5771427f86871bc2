"""The balances source lands like a batch source: scan job, arrival SLA, a config that is checked,
and a migration that goes both ways."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from gateway.bootstrap import reconciliation_sources
from gateway.config import parse_config
from gateway.errors import ConfigError
from gateway.reconciliation.engine import Reconciler
from gateway.store import migrations
from gateway.store.sql import make_engine
from schedules.reconciliation import reconciliation_jobs
from tests.reconciliation.bank import Ledger, reconciliation_settings
from tests.reconciliation.gl_file import write_balances_file

DUE = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 02:00 London in winter


def scheduled(ledger: Ledger, tmp_path: Path) -> tuple[Reconciler, dict[str, object]]:
    settings = reconciliation_settings(ledger.config.database.url, ledger.landing)
    settings["sources"]["gl-balances"] |= {"schedule": {"every_seconds": 300},
                                           "expected_by": "02:00"}  # fmt: skip
    return Reconciler(ledger.store, clock=lambda: DUE), settings


def test_the_source_gets_a_scan_job_and_an_arrival_job(ledger: Ledger, tmp_path: Path) -> None:
    reconciler, settings = scheduled(ledger, tmp_path)
    sources = reconciliation_sources(parse_config(settings))

    jobs = reconciliation_jobs(reconciler, sources, clock=lambda: DUE)

    assert [job.name for job in jobs] == [
        "ledger-lines:gl-balances", "reconcile:gl-balances", "arrival:gl-balances"
    ]  # fmt: skip
    arrival = jobs[2].run
    assert arrival() is True  # no file by 02:00: a breach, recorded once
    assert arrival() is False
    rows = ledger.store.fetch("SELECT kind, name, subject FROM sla_breaches")
    assert rows == [("import", "gl-balances", "2026-11-27")]


def test_a_file_claimed_before_its_due_time_is_no_breach(ledger: Ledger, tmp_path: Path) -> None:
    reconciler, settings = scheduled(ledger, tmp_path)
    sources = reconciliation_sources(parse_config(settings))
    write_balances_file(ledger.landing, DUE.date(), [])
    reconciler.clock = lambda: DUE.replace(hour=1)
    (index, scan, arrival) = reconciliation_jobs(reconciler, sources, clock=lambda: DUE)

    assert index.run() == 0  # no delivery yet
    outcomes = scan.run()
    assert isinstance(outcomes, list) and [o.status for o in outcomes] == ["agrees"]
    assert arrival.run() is False


def test_a_balances_source_must_name_a_configured_destination(tmp_path: Path) -> None:
    settings = reconciliation_settings("sqlite:///x.db", tmp_path)
    settings["sources"]["gl-balances"]["destination"] = "ledger"
    with pytest.raises(ConfigError, match=r"sources.gl-balances.destination: no destination"):
        parse_config(settings)


def test_the_reconciliation_tables_come_and_go_with_their_migration(database_url: str) -> None:
    engine = make_engine(database_url)
    tables = {"ledger_lines", "reconciliation_balances", "reconciliations",
              "reconciliation_differences"}  # fmt: skip
    try:
        migrations.upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        downgrade(engine, revision="0006")
        assert not tables & set(inspect(engine).get_table_names())
        migrations.upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def downgrade(engine: Engine, *, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
