"""Replays, redrives, retry-later answers, leases and the circuit, on both backends against a
local GL: each story here failed before the delivery engine learnt it."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.config import parse_config
from gateway.delivery import claims, operations
from gateway.delivery.dbclock import database_now
from gateway.delivery.dispatch import Subscription
from gateway.delivery.replay import ReplayRange, replay
from gateway.delivery.report import delivery_sla_source
from gateway.delivery.sweep import sweep
from gateway.sla import report
from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import SqlEventStore
from tests.delivery.gl_stub import GlStub, Reply, serve_gl
from tests.delivery.ledger import (
    POSTING_TYPES,
    all_delivered,
    append_deposits,
    gl_config,
    gl_engine,
)
from tests.delivery.test_faults import statuses

SUBSCRIPTION = Subscription("gl", frozenset(POSTING_TYPES), 300.0)


@pytest.fixture
def gl() -> Iterator[GlStub]:
    with serve_gl(GlStub()) as stub:
        yield stub


def overlapping(gl: GlStub) -> list[str]:
    """Accounts with two requests in flight at once (GL wants one account's in order)."""
    found = []
    by_account: dict[str, list[Any]] = {}
    for seen in gl.seen:
        by_account.setdefault(seen.account, []).append(seen)
    for account, seen in by_account.items():
        ordered = sorted(seen, key=lambda s: s.started)
        if any(b.started < a.ended for a, b in itertools.pairwise(ordered)):
            found.append(account)
    return found


def test_the_overlap_detector_catches_two_requests_of_one_account_at_once(gl: GlStub) -> None:
    from tests.delivery.gl_stub import Seen

    gl.seen = [Seen("A1", "1", "k1", 0.0, 1.0, 201), Seen("A2", "1", "k2", 0.5, 1.5, 201),
               Seen("B1", "2", "k3", 0.0, 1.0, 201),
               Seen("B2", "2", "k4", 1.0, 2.0, 201)]  # fmt: skip
    assert overlapping(gl) == ["1"]


def test_a_replay_waits_while_a_later_posting_of_its_account_is_in_flight(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    append_deposits(store, accounts=1, per_account=2)
    config = gl_config(database_url, run_length=1, timeout_seconds=3.0, lease_seconds=7)
    engine = gl_engine(store, config, gl.url)
    first = "TX00000-00000"

    def slow_second(posting: dict[str, Any], key: str) -> Reply:
        if posting["posting_ref"] != first:
            time.sleep(1.5)  # the later posting is still in flight when the replay comes
        return Reply(201)

    gl.answer = slow_second
    engine.start()
    try:
        deadline = time.monotonic() + 20
        while gl.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert replay(store, SUBSCRIPTION, ReplayRange(from_position=1, to_position=1),
                      now=time.time()).requeued == 1  # fmt: skip
        while (len(gl.seen) < 3 or statuses(store).get("pending")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    by_start = [s.ref for s in sorted(gl.seen, key=lambda s: s.started)]
    assert by_start == [first, "TX00000-00001", first]  # the replay after the one in flight
    assert overlapping(gl) == []


def test_a_retry_after_of_a_later_posting_is_honoured_when_its_run_is_replayed(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    append_deposits(store, accounts=1, per_account=2)
    second = "TX00000-00001"
    told: list[float] = []

    def throttle_second_once(posting: dict[str, Any], key: str) -> Reply:
        if posting["posting_ref"] == second and not told:
            told.append(time.time())
            return Reply(429, b"{}", (("Retry-After", "3"),))
        return Reply(201)

    gl.answer = throttle_second_once
    engine = gl_engine(store, gl_config(database_url), gl.url)
    assert engine.run_until(lambda: bool(told), timeout=20)
    replay(store, SUBSCRIPTION, ReplayRange(from_position=1, to_position=1), now=time.time())

    assert engine.run_until(lambda: all_delivered(store, 2), timeout=20)

    again = [s.started for s in gl.seen if s.ref == second][1]
    assert again - told[0] >= 2.9  # not sent right behind the replayed first posting


def test_a_replay_of_old_events_pages_nobody_at_once_and_starts_its_own_sla(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    append_deposits(store, accounts=2, per_account=1)
    config = gl_config(database_url, sla={"deadline_seconds": 300, "page_after_seconds": 900})
    engine = gl_engine(store, config, gl.url)
    assert engine.run_until(lambda: all_delivered(store, 2), timeout=20)
    with store.engine.begin() as conn:  # these events happened two hours ago
        conn.exec_driver_sql("UPDATE deliveries SET event_at = event_at - 7200")
    slas = {"gl": config.destinations["gl"].sla}
    now = time.time()

    replay(store, SUBSCRIPTION, ReplayRange(from_position=1), now=now)

    assert sweep(store, slas, now=now + 1) == []  # neither a breach nor a page yet
    assert {b.severity for b in sweep(store, slas, now=now + 300)} == {"breach"}
    assert {b.severity for b in sweep(store, slas, now=now + 900)} == {"page"}


def test_a_redriven_dead_letter_takes_its_sla_from_the_redrive(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    gl.answer = lambda posting, key: Reply(400, b'{"error": "invalid"}')
    append_deposits(store, accounts=1, per_account=1)
    config = gl_config(database_url)
    engine = gl_engine(store, config, gl.url)
    assert engine.run_until(lambda: statuses(store) == {"dead": 1}, timeout=20)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE deliveries SET event_at = event_at - 7200, "
                             "due_at = due_at - 7200")  # fmt: skip
    slas = {"gl": config.destinations["gl"].sla}
    now = time.time()

    (dead,) = operations.list_deliveries(store, status="dead")
    operations.redrive(store, [dead.fields["id"]], now=now)

    assert sweep(store, slas, now=now + 1) == []
    (shown,) = operations.list_deliveries(store, status="pending")
    assert shown.fields["due_at"] == pytest.approx(now + 300)


def test_gl_answering_409_again_and_again_stops_and_shows_the_account_blocked(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    """After an operator skipped a posting, GL answers 409 to that account's later ones."""
    gl.answer = lambda p, k: Reply(409 if p["customer_account"] == "000000000001" else 201)
    append_deposits(store, accounts=3, per_account=2)
    retry = {"delays_seconds": [0.05], "stop_after_attempts": 50, "stop_after_retry_later": 4}
    engine = gl_engine(store, gl_config(database_url, retry=retry), gl.url)

    assert engine.run_until(lambda: statuses(store).get("dead") == 1, timeout=20)
    engine.run_until(lambda: False, timeout=0.5)

    assert len([s for s in gl.seen if s.status == 409]) == 4  # then it stops asking
    (dead,) = operations.list_deliveries(store, status="dead")
    assert "answered 409 4 times in a row" in dead.fields["last_error"]
    (line,) = report(store, [delivery_sla_source(engine.destinations)], now=time.time())
    assert line.blocked == 1
    assert line.blocked_reason.startswith("account-000000000001: dead letter (answered 409")


def test_a_skipped_posting_lets_its_account_flow_again(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    gl.answer = lambda p, k: Reply(400 if p["posting_ref"] == "TX00000-00000" else 201)
    append_deposits(store, accounts=1, per_account=3)
    engine = gl_engine(store, gl_config(database_url), gl.url)
    assert engine.run_until(lambda: statuses(store).get("dead") == 1, timeout=20)
    (dead,) = operations.list_deliveries(store, status="dead")

    assert operations.skip(store, [dead.fields["id"]]) == 1
    assert engine.run_until(lambda: all_delivered(store, 2), timeout=20)

    assert gl.refs(status=201) == ["TX00000-00001", "TX00000-00002"]
    assert statuses(store) == {"skipped": 1, "delivered": 2}


def test_leases_are_taken_on_the_databases_clock_not_the_hosts(
    store: SqlEventStore, database_url: str
) -> None:
    append_deposits(store, accounts=1, per_account=1)
    gl_engine(store, gl_config(database_url), "http://127.0.0.1:9").dispatch_once()
    an_hour_slow = time.time() - 3600

    (run,) = claims.claim(store, "gl", worker="w", now=an_hour_slow + 7200, lease_seconds=30,
                          streams=1, run_length=1, ordered=True)  # fmt: skip

    with store.engine.connect() as conn:
        expires = store.fetch("SELECT lease_expires_at FROM deliveries")[0][0]
        assert expires - database_now(store, conn) == pytest.approx(30, abs=2)
    assert claims.renew(store, [run.deliveries[0].id], worker="w", lease_seconds=30) == {
        run.deliveries[0].id
    }
    assert claims.renew(store, [run.deliveries[0].id], worker="other", lease_seconds=30) == set()


def test_a_run_whose_lease_is_gone_sends_nothing_more(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    append_deposits(store, accounts=1, per_account=4)
    stolen = threading.Event()

    def slow_then_steal(posting: dict[str, Any], key: str) -> Reply:
        if not stolen.is_set():  # another worker takes the stream's leases meanwhile
            with store.engine.begin() as conn:
                steal = "UPDATE deliveries SET lease_owner = 'thief', lease_expires_at = 1e12"
                conn.exec_driver_sql(steal)
            stolen.set()
            time.sleep(3.5)  # past the renewal at 3 s, well before the lease would end
        return Reply(201)

    gl.answer = slow_then_steal
    config = gl_config(database_url, run_length=4, lease_seconds=9, timeout_seconds=4.0)
    engine = gl_engine(store, config, gl.url)

    engine.run_until(lambda: False, timeout=5)

    assert gl.refs() == ["TX00000-00000"]  # the rest of the run was the thief's to send


def test_one_failed_renewal_does_not_end_renewals(
    store: SqlEventStore, database_url: str, gl: GlStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    real = claims.renew

    def flaky(*args: Any, **kwargs: Any) -> set[int]:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise ConnectionError("database restarting")
        return real(*args, **kwargs)

    monkeypatch.setattr(claims, "renew", flaky)
    # Sending takes 4.8 s, past the second renewal (every 5/3 s); the timeout stays well
    # above GL's delay, so a loaded machine times nothing out into a second attempt.
    gl.delay = 0.6
    append_deposits(store, accounts=1, per_account=8)
    config = gl_config(database_url, run_length=8, lease_seconds=5, timeout_seconds=1.5)
    engine = gl_engine(store, config, gl.url)

    assert engine.run_until(lambda: all_delivered(store, 8), timeout=30)

    assert len(calls) >= 2  # renewals went on after the failure
    assert len(gl.seen) == 8


def test_time_with_the_circuit_open_does_not_count_towards_stop_after_seconds(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    """GL is down longer than the stop rule; nothing is dead-lettered for that."""
    down_until = time.time() + 3.5
    gl.answer = lambda p, k: Reply(503 if time.time() < down_until else 201)
    append_deposits(store, accounts=3, per_account=1)
    config = gl_config(
        database_url,
        retry={"delays_seconds": [0.05], "stop_after_seconds": 1.5, "stop_after_attempts": None},
        breaker={"window": 3, "min_calls": 3, "failure_ratio": 1.0, "open_seconds": 2.0},
    )
    engine = gl_engine(store, config, gl.url)

    assert engine.run_until(lambda: all_delivered(store, 3), timeout=30)
    assert "dead" not in statuses(store)
    starts = sorted(seen.started for seen in gl.seen if seen.started < down_until)
    pauses = [b - a for a, b in itertools.pairwise(starts)]
    assert max(pauses) >= 1.5  # GL saw the circuit open: no request for open_seconds


def account_openings(store: SqlEventStore, count: int) -> None:
    appends = [
        StreamAppend(f"account-{n:012d}", 0, [NewEvent("AccountOpened", {
            "account_no": f"{n:012d}", "customer_no": f"{n:08d}", "product": "CURRENT",
            "currency": "EUR", "opened_on": "2026-11-02", "branch": "0042"}, 1)])
        for n in range(count)
    ]  # fmt: skip
    with store.transaction() as tx:
        tx.append(appends)


def test_crm_404_for_a_customer_not_there_yet_does_not_open_the_circuit(
    store: SqlEventStore, database_url: str, gl: GlStub
) -> None:
    gl.answer = lambda p, k: Reply(404 if p["CUST_NO"] == "00000000" else 201)
    account_openings(store, 6)
    destination = {
        "adapter": "adapters.crm.outbound:CustomerAccountsDestination",
        "base_url_env": "GL_BASE_URL", "events": ["AccountOpened"], "timeout_seconds": 1.0,
        "retry": {"delays_seconds": [0.02], "stop_after_seconds": 3600,
                  "stop_after_attempts": None},
        "breaker": {"window": 4, "min_calls": 4, "failure_ratio": 0.5, "open_seconds": 5},
    }  # fmt: skip
    config = parse_config({"database": {"url": database_url}, "destinations": {"gl": destination}})
    engine = gl_engine(store, config, gl.url)

    def not_found() -> int:
        return len([s for s in gl.seen if s.status == 404])

    assert engine.run_until(lambda: all_delivered(store, 5), timeout=20)
    assert engine.run_until(lambda: not_found() > 4, timeout=20)  # still asked, as crm.md says

    assert store.fetch("SELECT state FROM delivery_circuits") in ([], [("closed",)])
