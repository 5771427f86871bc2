"""SLA with an injected clock: a late delivery is a breach the moment it is due, not later."""

from __future__ import annotations

from gateway.delivery.report import delivery_sla_source
from gateway.delivery.sweep import sweep
from gateway.sla import list_breaches, percentile, record_breach, report
from gateway.store.sql import SqlEventStore
from tests.delivery.ledger import all_delivered, append_deposits, gl_config, gl_engine
from tests.delivery.legacy_sim import LegacySim


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def event_time(store: SqlEventStore) -> float:
    with store.engine.connect() as conn:
        return float(conn.exec_driver_sql("SELECT MIN(event_at) FROM deliveries").scalar_one())


def test_a_pending_delivery_past_its_due_time_is_a_breach_at_that_moment(
    store: SqlEventStore, database_url: str, sim: LegacySim
) -> None:
    append_deposits(store, accounts=3, per_account=2)
    sim.outage(3600)  # GL is down: nothing can be delivered
    config = gl_config(database_url, sla={"deadline_seconds": 300, "page_after_seconds": 900})
    engine = gl_engine(store, config, sim.base_url)
    engine.dispatch_once()
    sent_at = event_time(store)
    slas = {"gl": config.destinations["gl"].sla}

    assert sweep(store, slas, now=sent_at + 299.999) == []
    breaches = sweep(store, slas, now=sent_at + 300.0)

    assert len(breaches) == 6 and {b.breached_at for b in breaches} == {sent_at + 300.0}
    assert sweep(store, slas, now=sent_at + 301) == []  # recorded once
    pages = sweep(store, slas, now=sent_at + 900)
    assert {b.severity for b in pages} == {"page"} and len(pages) == 6
    source = delivery_sla_source(engine.destinations)
    (line,) = report(store, [source], now=sent_at + 1000)
    assert (line.breaches, line.pages, line.pending) == (6, 6, 6)
    assert line.oldest_pending_age == 1000 and line.samples == 0
    assert len(list_breaches(store, kind="delivery", name="gl")) == 12


def test_the_report_percentiles_match_the_recorded_attempts(
    store: SqlEventStore, database_url: str, sim: LegacySim
) -> None:
    append_deposits(store, accounts=20, per_account=5)
    sim.chaos(unavailable=0.3)
    engine = gl_engine(store, gl_config(database_url), sim.base_url)
    assert engine.run_until(lambda: all_delivered(store, 100), timeout=30)

    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT a.started_at + a.latency_ms / 1000 - d.event_at FROM delivery_attempts a "
            "JOIN deliveries d ON d.id = a.delivery_id WHERE a.verdict = 'delivered'"
        ).all()
    latencies = sorted(float(r[0]) for r in rows)
    (line,) = report(store, [delivery_sla_source(engine.destinations)], now=engine.clock())
    assert line.samples == len(latencies) == 100
    # nearest rank, by hand: the 50th, 95th and 99th of the 100 sorted latencies
    for expected, value in ((latencies[49], line.p50), (latencies[94], line.p95),
                            (latencies[98], line.p99)):  # fmt: skip
        assert value is not None
        assert abs(value - expected) < 1e-6


def test_any_sla_family_records_a_breach_once(store: SqlEventStore) -> None:
    first = record_breach(
        store, kind="import", name="cbs", subject="2026-11-26", due_at=1.0, breached_at=2.0
    )
    again = record_breach(
        store, kind="import", name="cbs", subject="2026-11-26", due_at=1.0, breached_at=3.0
    )

    assert (first, again) == (True, False)
    (breach,) = list_breaches(store, kind="import")
    assert (breach.name, breach.subject, breach.breached_at) == ("cbs", "2026-11-26", 2.0)


def test_percentiles_are_nearest_rank_values_really_observed() -> None:
    values = [float(n) for n in range(1, 11)]  # 1..10
    assert [percentile(values, r) for r in (10, 50, 90, 95, 99, 100)] == [1, 5, 9, 10, 10, 10]
    assert percentile([0.25], 99) == 0.25
    assert percentile([], 50) is None
