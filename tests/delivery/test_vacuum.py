"""On PostgreSQL the engine vacuums its deliveries table once enough rows were settled."""

from __future__ import annotations

from gateway.store.sql import SqlEventStore, open_store
from tests.conftest import require_postgres, reset_postgres_schema
from tests.delivery.ledger import all_delivered, append_deposits, gl_config, gl_engine
from tests.delivery.legacy_sim import LegacySim


def vacuums(store: SqlEventStore) -> int:
    """VACUUMs run on this schema's deliveries table (autovacuum's are not counted here)."""
    (row,) = store.fetch(
        "SELECT vacuum_count FROM pg_stat_user_tables "
        "WHERE relname = 'deliveries' AND schemaname = current_schema()"
    )
    return int(row[0])


def test_the_settled_rows_of_a_drained_backlog_are_vacuumed_away(sim: LegacySim) -> None:
    require_postgres()
    url = reset_postgres_schema()
    store = open_store(url)
    try:
        append_deposits(store, accounts=50, per_account=20)
        engine = gl_engine(store, gl_config(url, max_in_flight=16), sim.base_url)
        engine.upkeep.every, engine.upkeep.check_seconds = 300, 0.05

        assert engine.run_until(lambda: all_delivered(store, 1000), timeout=60)

        assert vacuums(store) >= 1  # 1,000 settled: at least one round of 300
    finally:
        store.engine.dispose()
