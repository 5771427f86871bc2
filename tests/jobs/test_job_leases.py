"""Job leases on a shared database: each due run of a job happens once, whichever process fires.

A process that dies mid-run holds its lease until it expires; then the next due run goes ahead.
"""

from __future__ import annotations

import threading
import time

from gateway.jobs import JobLeases, JobRunner, Refusal, Ticket, list_runs
from gateway.store.sql import SqlEventStore

DUE = 1_780_000_000.0


class Clock:
    def __init__(self, now: float = DUE) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def process(store: SqlEventStore, name: str, clock: Clock, lease: float = 60.0) -> JobRunner:
    leases = JobLeases(store, lease_seconds=lease, holder=name, clock=clock)
    return JobRunner(leases, renew_every=lease / 3)


def test_two_processes_firing_for_the_same_due_time_run_it_once(store: SqlEventStore) -> None:
    clock, ran = Clock(), []
    one, two = process(store, "gw-1:101", clock), process(store, "gw-2:202", clock)

    first = one.run("export:stmt", lambda: ran.append("one"), due_at=DUE)
    clock.now += 0.4  # the other scheduler fires a little later, for the same due time
    second = two.run("export:stmt", lambda: ran.append("two"), due_at=DUE)

    assert (first.outcome, second.outcome) == ("succeeded", "skipped")
    assert ran == ["one"]
    [run] = list_runs(store, job="export:stmt")
    assert (run.holder, run.outcome, run.due_at) == ("gw-1:101", "succeeded", DUE)


def test_many_processes_racing_for_one_due_run_take_it_once(store: SqlEventStore) -> None:
    clock = Clock()
    runners = [process(store, f"gw-{n}:{n}", clock) for n in range(6)]
    start = threading.Barrier(len(runners))
    taken: list[Ticket | Refusal] = []

    def race(runner: JobRunner) -> None:
        start.wait()
        taken.append(runner.leases.take("sla:sweep", due_at=DUE))

    threads = [threading.Thread(target=race, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len([t for t in taken if isinstance(t, Ticket)]) == 1
    assert len(list_runs(store, job="sla:sweep")) == 1


def test_a_job_still_running_elsewhere_is_not_started_again(store: SqlEventStore) -> None:
    clock = Clock()
    busy = process(store, "gw-1:101", clock).leases.take("import:cbs", due_at=DUE)
    assert isinstance(busy, Ticket)

    clock.now += 30  # the next due time, while the first run still holds its 60 s lease
    outcome = process(store, "gw-2:202", clock).run("import:cbs", lambda: None, due_at=DUE + 30)

    assert outcome.outcome == "skipped"
    assert outcome.detail == f"running on gw-1:101 (run {busy.run_id})"


def test_after_a_holder_dies_its_lease_expires_and_the_next_due_run_goes_ahead(
    store: SqlEventStore,
) -> None:
    clock = Clock()
    dead = process(store, "gw-1:101", clock, lease=30).leases.take("export:stmt", due_at=DUE)
    survivor = process(store, "gw-2:202", clock, lease=30)

    clock.now = DUE + 20
    before_expiry = survivor.run("export:stmt", lambda: "written", due_at=DUE + 20)
    clock.now = DUE + 31
    after_expiry = survivor.run("export:stmt", lambda: "written", due_at=DUE + 31)

    assert (before_expiry.outcome, after_expiry.outcome) == ("skipped", "succeeded")
    runs = {r.holder: r for r in list_runs(store, job="export:stmt")}
    assert isinstance(dead, Ticket)
    assert runs["gw-1:101"].outcome == "abandoned"
    assert (runs["gw-2:202"].outcome, runs["gw-2:202"].detail) == ("succeeded", "written")


def test_a_failed_run_is_recorded_with_its_reason_and_frees_the_lease(
    store: SqlEventStore,
) -> None:
    clock = Clock()
    runner = process(store, "gw-1:101", clock)

    def broken() -> None:
        raise OSError("var/export/stmt is read-only")

    failed = runner.run("export:stmt", broken, due_at=DUE)
    clock.now += 60
    retried = runner.run("export:stmt", lambda: None, due_at=DUE + 60)

    assert (failed.outcome, failed.detail) == ("failed", "OSError: var/export/stmt is read-only")
    assert retried.outcome == "succeeded"


def test_a_long_run_keeps_its_lease_by_renewing_it(store: SqlEventStore) -> None:
    holder = JobRunner(JobLeases(store, lease_seconds=0.6, holder="gw-1:101"), renew_every=0.1)
    other = JobRunner(JobLeases(store, lease_seconds=0.6, holder="gw-2:202"), renew_every=0.1)
    seen = []

    def long_export() -> None:
        time.sleep(1.5)  # well past the lease: only renewals keep it
        seen.append(other.run("export:stmt", lambda: None, due_at=time.time()).outcome)

    outcome = holder.run("export:stmt", long_export, due_at=time.time())

    assert (outcome.outcome, seen) == ("succeeded", ["skipped"])
