"""Scheduled import jobs: the landing scan, and the inbound SLA ("postings by 02:00")."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from gateway.commands import CommandBus
from gateway.config import BatchSourceConfig, ScheduleConfig
from gateway.imports.arrival import check_arrival
from gateway.imports.engine import BatchSource, ImportEngine
from gateway.sla import list_breaches
from gateway.store.sql import SqlEventStore
from schedules.imports import import_jobs


def postings_source(tmp_path: Path, *, expected_by: time | None = time(2, 0)) -> BatchSource:
    config = BatchSourceConfig(
        kind="batch",
        adapter="unused:factory",
        landing=tmp_path / "landing",
        schedule=ScheduleConfig(every_seconds=60),
        expected_by=expected_by,
    )
    return BatchSource("cbs-postings", config, adapter=None)  # type: ignore[arg-type]


def claim_a_file(store: SqlEventStore, at: str) -> None:
    with store.transaction() as tx:
        tx.connection.exec_driver_sql(
            store.sql(
                "INSERT INTO imports (source, file_name, sha256, size, status, started_at) "
                "VALUES ('cbs-postings', 'CBS_POSTINGS_20261126_001.DAT', 'ab', 1, 'completed', ?)"
            ),
            (at,),
        )


def test_a_file_missing_at_its_due_time_is_a_breach_recorded_at_that_moment(
    store: SqlEventStore, tmp_path: Path
) -> None:
    source = postings_source(tmp_path)
    due = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 02:00 London is 02:00 UTC in November

    assert check_arrival(store, source, now=due) is True
    assert check_arrival(store, source, now=due) is False  # recorded once

    [breach] = list_breaches(store, kind="import")
    assert (breach.name, breach.subject) == ("cbs-postings", "2026-11-26")
    assert breach.due_at == due.timestamp() == breach.breached_at


def test_a_file_that_arrived_before_its_due_time_is_no_breach(
    store: SqlEventStore, tmp_path: Path
) -> None:
    claim_a_file(store, "2026-11-26T00:41:07.000000Z")

    breached = check_arrival(
        store, postings_source(tmp_path), now=datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    )

    assert breached is False
    assert list_breaches(store, kind="import") == []


def test_yesterdays_file_does_not_cover_today(store: SqlEventStore, tmp_path: Path) -> None:
    claim_a_file(store, "2026-11-25T01:10:00.000000Z")

    breached = check_arrival(
        store, postings_source(tmp_path), now=datetime(2026, 11, 26, 2, 0, 30, tzinfo=UTC)
    )

    assert breached is True


def test_each_source_gets_a_scan_job_and_an_arrival_job(
    store: SqlEventStore, tmp_path: Path
) -> None:
    engine = ImportEngine(CommandBus(store))
    sources = {
        "cbs-postings": postings_source(tmp_path),
        "other": BatchSource(
            "other",
            postings_source(tmp_path, expected_by=None).config,
            adapter=None,  # type: ignore[arg-type]
        ),
    }

    jobs = {job.name: job for job in import_jobs(engine, sources, clock=lambda: datetime.now(UTC))}

    assert set(jobs) == {"import:cbs-postings", "arrival:cbs-postings", "import:other"}
    assert isinstance(jobs["import:cbs-postings"].trigger, IntervalTrigger)
    arrival = jobs["arrival:cbs-postings"].trigger
    assert isinstance(arrival, CronTrigger)
    assert str(arrival.timezone) == "Europe/London"
    assert jobs["import:other"].run() == []  # an empty landing folder imports nothing
