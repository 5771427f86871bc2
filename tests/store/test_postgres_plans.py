"""PostgreSQL reads that must not depend on the planner's statistics, nor pay for its JIT.

A table just filled (an import's accounts, the import's own events) has no statistics until
autovacuum comes round; the histories a file import loads were then read by a sequential
scan of the whole events table for every 200 streams.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.store import NewEvent, StreamAppend
from gateway.store.sql import HISTORIES_POSTGRES, SqlEventStore, open_store
from tests.conftest import require_postgres, reset_postgres_schema

pytestmark = pytest.mark.postgres
STREAMS = 400


@pytest.fixture
def store() -> Iterator[SqlEventStore]:
    require_postgres()
    store = open_store(reset_postgres_schema())
    yield store
    store.engine.dispose()


def filled(store: SqlEventStore) -> None:
    """20,000 events over `STREAMS` streams, and no statistics on the table (never analysed)."""
    for start in range(0, 50, 10):
        appends = [
            StreamAppend(f"s-{n:04d}", version, [NewEvent("Noted", {"n": n}, 1, {})] * 10)
            for n in range(STREAMS)
            for version in (start,)
        ]
        with store.transaction() as tx:
            tx.append(appends)
    with store.engine.connect() as conn:
        analysed = conn.exec_driver_sql(
            "SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables "
            "WHERE relname = 'events' AND schemaname = current_schema()"
        ).one()
    assert analysed == (None, None)


def test_histories_are_read_by_the_index_without_statistics(store: SqlEventStore) -> None:
    filled(store)
    streams = [f"s-{n:04d}" for n in range(100, 300)]
    with store.engine.connect() as conn:
        plan = "\n".join(
            row[0]
            for row in conn.exec_driver_sql(
                "EXPLAIN " + store.sql(HISTORIES_POSTGRES), (streams, [10] * len(streams))
            )
        )
    assert "Seq Scan on events" not in plan, plan
    assert "uq_events_stream_version" in plan, plan

    histories = store.read_histories(dict.fromkeys(streams, 40))
    assert sorted(histories) == streams
    assert all([row[1] for row in rows] == list(range(41, 51)) for rows in histories.values())


def test_the_gateways_sessions_run_without_jit(store: SqlEventStore) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
