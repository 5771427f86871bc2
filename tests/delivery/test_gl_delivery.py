"""GL learns of every posting, in order per account, from a GL that misbehaves on command."""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import pytest

from gateway.delivery import operations
from gateway.store.sql import SqlEventStore, open_store
from tests.delivery.ledger import all_delivered, append_deposits, gl_config, gl_engine
from tests.delivery.legacy_sim import LegacySim


def first_arrivals_in_order(sim: LegacySim) -> dict[str, list[str]]:
    by_account: dict[str, list[str]] = defaultdict(list)
    for posting in sim.postings():
        if not posting["duplicate"]:
            by_account[posting["account"]].append(posting["ref"])
    return by_account


def test_every_posting_reaches_a_misbehaving_gl_in_order_per_account(
    database_url: str, sim: LegacySim
) -> None:
    """10,000 postings over 500 accounts; GL answers 30% 503, 5% late, 5% dropped, some 429.

    The outage of a minute is scaled down 1:30 (2 s), like the retry schedule (50 ms to 0.4 s)
    and the timeout (0.5 s), so the story runs in seconds; the order of events is the same.
    """
    store = open_store(database_url)
    append_deposits(store, accounts=500, per_account=20)
    sim.chaos(unavailable=0.3, timeout=0.05, drop=0.05, throttle=0.02, retry_after=0,
              hang_seconds=0.6)  # fmt: skip
    retry = {"delays_seconds": [0.05, 0.1, 0.2, 0.4], "stop_after_attempts": 200}
    config = gl_config(
        database_url, timeout_seconds=0.5, max_in_flight=64, lease_seconds=5, retry=retry
    )
    engine = gl_engine(store, config, sim.base_url)
    outage_started = time.monotonic()
    sim.outage(2.0)

    assert engine.run_until(lambda: all_delivered(store, 10_000), timeout=120)

    arrivals = first_arrivals_in_order(sim)
    assert sum(len(refs) for refs in arrivals.values()) == 10_000
    for n, refs in enumerate(sorted(arrivals.items())):
        assert refs[1] == [f"TX{n:05d}-{r:05d}" for r in range(20)], refs[0]
    postings = sim.postings()
    keys_by_ref: dict[str, set[str]] = defaultdict(set)
    for posting in postings:
        keys_by_ref[posting["ref"]].add(posting["key"])
    assert all(len(keys) == 1 for keys in keys_by_ref.values())  # re-sends, never new keys
    assert time.monotonic() - outage_started > 2.0
    answers = sim.stats()["answers"]
    assert answers["503"] > 3000 and answers["429"] > 0 and answers["0"] > 0
    store.engine.dispose()


def test_a_refused_posting_is_dead_lettered_and_redriven_once_after_a_fix(
    store: SqlEventStore, database_url: str, sim: LegacySim
) -> None:
    append_deposits(store, accounts=20, per_account=5)
    refused = "TX00003-00001"
    sim.chaos(reject_refs=[refused])
    engine = gl_engine(store, gl_config(database_url), sim.base_url)

    assert engine.run_until(lambda: all_delivered(store, 96), timeout=30)

    dead = operations.list_deliveries(store, status="dead")
    assert [d.fields["stream_id"] for d in dead] == ["account-000000000003"]
    assert dead[0].fields["last_status"] == 400 and dead[0].fields["attempts"] == 1
    held = operations.list_deliveries(store, status="pending")
    assert {d.fields["stream_id"] for d in held} == {"account-000000000003"}  # order kept
    assert len(held) == 3
    arrived = first_arrivals_in_order(sim)
    assert len(arrived) == 20 and arrived["000000000003"] == ["TX00003-00000"]

    sim.chaos()  # GL fixed its reference data
    assert operations.redrive(store, [dead[0].fields["id"]], now=time.time()) == 1
    assert engine.run_until(lambda: all_delivered(store, 100), timeout=30)

    arrived = first_arrivals_in_order(sim)
    assert arrived["000000000003"] == [f"TX00003-{r:05d}" for r in range(5)]
    sent = [p for p in sim.postings() if p["ref"] == refused]
    assert len(sent) == 1 and not sent[0]["duplicate"]
    assert operations.show_delivery(store, dead[0].fields["id"]).fields["attempts"] == 2


def test_a_start_written_ahead_is_taken_back_when_the_posting_before_it_fails(
    store: SqlEventStore, database_url: str, sim: LegacySim
) -> None:
    """While a posting is on the wire the start of the next one in its run is written; GL
    refusing the first leaves no trace of an attempt at the second, nor at any other."""
    append_deposits(store, accounts=20, per_account=5)
    sim.chaos(reject_refs=["TX00007-00002"])
    engine = gl_engine(store, gl_config(database_url), sim.base_url)

    assert engine.run_until(lambda: all_delivered(store, 97), timeout=30)

    held = store.fetch(
        "SELECT d.attempts, COUNT(a.attempt) FROM deliveries d LEFT JOIN delivery_attempts a "
        "ON a.delivery_id = d.id WHERE d.status = 'pending' GROUP BY d.id ORDER BY d.position"
    )
    assert held == [(0, 0), (0, 0)]  # the two behind the refused one: never attempted
    counts = store.fetch(
        "SELECT d.attempts, COUNT(a.attempt) FROM deliveries d JOIN delivery_attempts a "
        "ON a.delivery_id = d.id GROUP BY d.id"
    )
    assert len(counts) == 98 and all(kept == rows for kept, rows in counts)
    assert store.fetch("SELECT COUNT(*) FROM delivery_attempts WHERE verdict = 'unknown'") == [(0,)]


@pytest.mark.slow
def test_a_real_minute_long_outage_opens_the_circuit_and_loses_nothing(
    store: SqlEventStore, database_url: str, sim: LegacySim, caplog: pytest.LogCaptureFixture
) -> None:
    """GL down for 60 s: the circuit opens, nothing is dead-lettered, and afterwards every
    posting arrives, in order per account, each under one key."""
    append_deposits(store, accounts=50, per_account=4)
    retry = {
        "delays_seconds": [0.5, 1, 2, 5],
        "stop_after_seconds": 30,
        "stop_after_attempts": None,
    }  # shorter than the outage: the open circuit saves it
    breaker = {"window": 10, "min_calls": 10, "failure_ratio": 0.8, "open_seconds": 5}
    config = gl_config(database_url, retry=retry, breaker=breaker, max_in_flight=8)
    engine = gl_engine(store, config, sim.base_url)
    sim.outage(60)
    started = time.monotonic()

    with caplog.at_level(logging.WARNING, logger="gateway.delivery.worker"):
        assert engine.run_until(lambda: all_delivered(store, 200), timeout=180)

    assert time.monotonic() - started >= 60
    assert any("circuit of gl is open" in r.getMessage() for r in caplog.records)
    assert operations.list_deliveries(store, status="dead") == []
    arrivals = first_arrivals_in_order(sim)
    for n, refs in enumerate(sorted(arrivals.items())):
        assert refs[1] == [f"TX{n:05d}-{r:05d}" for r in range(4)], refs[0]
    assert sim.stats()["answers"]["503"] > 0
