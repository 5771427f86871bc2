"""Scheduled jobs under leases: every process names a firing by the same due time, runs it once.

Clocks are injected: nothing here waits for a real schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from gateway.bootstrap import build
from gateway.config import ScheduleConfig, parse_config
from gateway.jobs import JobLeases, JobRunner, job_statuses, list_runs
from gateway.store.sql import SqlEventStore
from schedules.scheduler import JobSpec, due_time, leased, trigger_for


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_interval_firings_anywhere_in_a_slot_name_the_slots_start() -> None:
    every_minute = trigger_for(ScheduleConfig(every_seconds=60))

    assert due_time(every_minute, at("2026-03-04T10:15:00.004Z")) == at("2026-03-04T10:15:00Z")
    assert due_time(every_minute, at("2026-03-04T10:15:59.9Z")) == at("2026-03-04T10:15:00Z")


def test_interval_jobs_fire_on_the_same_grid_in_every_process() -> None:
    one = trigger_for(ScheduleConfig(every_seconds=30))
    two = trigger_for(ScheduleConfig(every_seconds=30))
    now = at("2026-03-04T10:15:07Z")

    assert one.get_next_fire_time(None, now) == two.get_next_fire_time(None, now)
    assert one.get_next_fire_time(None, now) == at("2026-03-04T10:15:30Z")


def test_a_cron_firing_late_within_the_grace_names_its_scheduled_time() -> None:
    nightly = CronTrigger.from_crontab("5 22 * * *", timezone="Europe/London")

    assert due_time(nightly, at("2026-07-01T21:05:00.3Z")) == at("2026-07-01T22:05:00+01:00")
    assert due_time(nightly, at("2026-07-01T21:08:41Z")) == at("2026-07-01T22:05:00+01:00")


def test_two_schedulers_firing_one_due_time_run_the_job_once(store: SqlEventStore) -> None:
    ran: list[str] = []
    nightly = CronTrigger.from_crontab("5 22 * * *", timezone="Europe/London")
    spec = JobSpec("export:stmt", nightly, lambda: ran.append("run"))
    runners = [
        JobRunner(JobLeases(store, lease_seconds=60, holder=name), renew_every=20)
        for name in ("gw-1:1", "gw-2:2")
    ]
    fired = [at("2026-03-04T22:05:00.010Z"), at("2026-03-04T22:05:00.730Z")]

    for runner, moment in zip(runners, fired, strict=True):
        leased(spec, runner, clock=lambda moment=moment: moment)()

    assert ran == ["run"]
    [run] = list_runs(store, job="export:stmt")
    assert run.due_at == at("2026-03-04T22:05:00Z").timestamp()


def test_the_board_shows_schedule_last_outcome_next_run_and_holder(
    store: SqlEventStore,
) -> None:
    now = at("2026-03-04T22:06:00Z").timestamp()
    leases = JobLeases(store, lease_seconds=60, holder="gw-1:1", clock=lambda: now)
    runner = JobRunner(leases, renew_every=20)
    nightly = JobSpec("export:stmt", CronTrigger.from_crontab("5 22 * * *", timezone="UTC"),
                      lambda: "wrote STMT_20260304.TXT")  # fmt: skip
    runner.run("export:stmt", nightly.run, due_at=at("2026-03-04T22:05:00Z").timestamp())
    runner.leases.take("import:cbs", due_at=now)  # and still runs
    scan = JobSpec("import:cbs", trigger_for(ScheduleConfig(every_seconds=60)), lambda: None)

    board = job_statuses(store, [nightly, scan], now=now)

    stmt, cbs = (status.as_dict() for status in board)
    assert stmt["last_outcome"] == "succeeded"
    assert stmt["last_run"]["detail"] == "wrote STMT_20260304.TXT"
    assert stmt["next_run"] == "2026-03-05T22:05:00+00:00"
    assert stmt["schedule"] == "cron 5 22 * * * UTC"
    assert (cbs["schedule"], cbs["holder"], cbs["last_outcome"]) == (
        "every 60s",
        "gw-1:1",
        "running",
    )


def test_the_gateway_schedules_each_export_and_its_sla_check(tmp_path: Path) -> None:
    config = parse_config({
        "database": {"url": f"sqlite:///{tmp_path}/gateway.db"},
        "exports": {"stmt": {
            "adapter": "adapters.stmt:StatementFile", "events": ["FundsDeposited"],
            "folder": str(tmp_path / "stmt"), "schedule": {"cron": "5 22 * * *"},
            "sla": {"due_by": "22:30"},
        }},
    })  # fmt: skip
    gateway = build(config)
    try:
        names = [job.name for job in gateway.scheduled_jobs()]
    finally:
        gateway.close()

    assert names == ["export:stmt", "export-sla:stmt"]
