"""A destination's limits in one process: never more requests at once than `max_in_flight`
(and all of them used when there is work), never more starts in a second than its rate."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from gateway.delivery.worker import DestinationWorker
from gateway.store.sql import SqlEventStore
from tests.delivery.gl_stub import GlStub, Reply, serve_gl
from tests.delivery.ledger import all_delivered, append_deposits, gl_config, gl_engine
from tests.scaleout.test_gl_limits import in_order_once, most_in_flight, most_in_one_second


def test_one_process_keeps_to_its_in_flight_slots_and_uses_every_one(
    store: SqlEventStore, database_url: str
) -> None:
    append_deposits(store, accounts=24, per_account=3)
    config = gl_config(database_url, max_in_flight=4, run_length=2)
    with serve_gl(GlStub(delay=0.05)) as gl:
        assert gl_engine(store, config, gl.url).run_until(
            lambda: all_delivered(store, 72), timeout=30
        )
    assert most_in_flight(gl.seen) == 4
    in_order_once(gl.seen, 24, 3)


def test_one_process_starts_no_more_in_any_second_than_the_rate(
    store: SqlEventStore, database_url: str
) -> None:
    append_deposits(store, accounts=30, per_account=2)
    config = gl_config(database_url, max_in_flight=8, rate_limit_per_second=20, run_length=2)
    with serve_gl(GlStub()) as gl:
        assert gl_engine(store, config, gl.url).run_until(
            lambda: all_delivered(store, 60), timeout=30
        )
    best = most_in_one_second(gl.seen)
    assert 10 <= best <= 20, best  # paced, not starved (speed: the bench)
    in_order_once(gl.seen, 30, 2)


def test_a_start_recorded_while_waiting_for_a_slot_and_never_sent_leaves_no_attempt(
    store: SqlEventStore, database_url: str
) -> None:
    """One slot, two runs: the second records its start, waits for the slot, and by then
    GL's 503 has opened the circuit. Its start is withdrawn: every attempt on record is a
    request GL received, and each delivery counts only those."""
    append_deposits(store, accounts=2, per_account=1)
    breaker = {"window": 1, "min_calls": 1, "failure_ratio": 1.0, "open_seconds": 60}
    config = gl_config(database_url, max_in_flight=1, breaker=breaker)
    with serve_gl(GlStub(lambda posting, key: Reply(503), delay=0.2)) as gl:
        engine = gl_engine(store, config, gl.url)
        engine.run_until(lambda: False, timeout=1.5)
    assert len(gl.seen) == 1
    attempts = store.fetch("SELECT delivery_id, verdict FROM delivery_attempts")
    assert [verdict for _, verdict in attempts] == ["transient"]
    counted = store.fetch("SELECT id, attempts FROM deliveries ORDER BY id")
    assert {i: n for i, n in counted} == {i: int(i == attempts[0][0]) for i, _ in counted}


def test_a_start_recorded_with_its_claim_is_withdrawn_when_the_circuit_opened_meanwhile(
    store: SqlEventStore, database_url: str
) -> None:
    """A run's first attempt is recorded as started by the claim itself; if the circuit is
    open by the time the run begins, that start is taken back like any other never sent."""
    append_deposits(store, accounts=2, per_account=1)
    engine = gl_engine(store, gl_config(database_url), "http://127.0.0.1:9")  # never called
    engine.dispatch_once()

    async def on_this_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    async def begin_after_the_circuit_opened() -> list[object]:
        worker = DestinationWorker(engine.destinations[0], store, worker_id="w",
                                   clock=time.time, db=on_this_thread)  # fmt: skip
        worker.stopping = asyncio.Event()
        runs = worker._claim(now=time.time(), streams=2)
        recorded = store.fetch("SELECT verdict FROM delivery_attempts")
        worker.breaker.pause("answered 401")
        for run in runs:
            run.deadline = time.monotonic() + 60
        sent = [await worker._send(run, run.deliveries[0]) for run in runs]
        await worker._write_outcomes()
        return [recorded, sent]

    recorded, sent = asyncio.run(begin_after_the_circuit_opened())
    assert recorded == [("unknown",), ("unknown",)] and sent == [None, None]
    assert store.fetch("SELECT COUNT(*) FROM delivery_attempts") == [(0,)]
    assert store.fetch("SELECT DISTINCT attempts FROM deliveries") == [(0,)]
