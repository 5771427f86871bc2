"""Poll jobs on APScheduler: one per enabled source, one run at a time, missed runs coalesced."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from gateway.commands import CommandBus
from schedules.polling import poll_jobs, register_poll_jobs
from tests.polling.conftest import Sleeps, make_poller


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
