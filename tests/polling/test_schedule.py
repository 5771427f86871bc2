"""Poll jobs on APScheduler: one per enabled source, one run at a time, missed runs coalesced."""

from __future__ import annotations

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from gateway.bootstrap import build
from gateway.commands import CommandBus
from gateway.config import parse_config
from schedules.polling import poll_jobs, register_poll_jobs
from tests.polling.conftest import Sleeps, make_poller
from tests.polling.test_cards_end_to_end import CARDS_SOURCE


def test_each_poll_source_gets_one_coalescing_job_on_its_schedule(bus: CommandBus) -> None:
    every_minute = make_poller(bus, Sleeps())
    nightly = make_poller(bus, Sleeps(), schedule={"cron": "30 2 * * *"})
    scheduler = BackgroundScheduler()

    ids = register_poll_jobs(scheduler, {"cards": every_minute, "cards-night": nightly})

    assert ids == ["poll:cards", "poll:cards-night"]
    job = scheduler.get_job("poll:cards")
    assert (job.max_instances, job.coalesce) == (1, True)
    assert job.func.keywords == {"scheduled": True}
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval.total_seconds() == 60
    assert isinstance(scheduler.get_job("poll:cards-night").trigger, CronTrigger)


def test_poll_jobs_are_specs_for_the_shared_scheduler(bus: CommandBus) -> None:
    jobs = poll_jobs({"cards": make_poller(bus, Sleeps())})

    assert [(j.name, j.describe()) for j in jobs] == [("poll:cards", "every 60s")]


def test_gateway_run_schedules_enabled_poll_sources_only(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARDS_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("CARDS_TOKEN", "t")
    monkeypatch.delenv("OTHER_BASE_URL", raising=False)
    other = {**CARDS_SOURCE, "base_url_env": "OTHER_BASE_URL"}
    config = {"database": {"url": database_url}, "sources": {"cards": CARDS_SOURCE, "other": other}}
    gateway = build(parse_config(config))
    try:
        names = [job.name for job in gateway.scheduled_jobs()]
    finally:
        gateway.close()

    assert "poll:cards" in names
    assert "poll:other" not in names
