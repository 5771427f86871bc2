"""The database's clock, for times several gateway processes compare: leases, slots, pace.

Each host's clock drifts its own way; the one database has one clock, so a lease or a slot
taken by one process expires at the same moment for all of them.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from gateway.store.sql import SqlEventStore

POSTGRES_NOW = "EXTRACT(EPOCH FROM clock_timestamp())::float8"
# julianday('now') is the statement's time to the millisecond, as epoch seconds here
SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


def now_sql(store: SqlEventStore) -> str:
    """An SQL expression for the database's time now, in epoch seconds."""
    return POSTGRES_NOW if store.is_postgres else SQLITE_NOW


def database_now(store: SqlEventStore, conn: Connection) -> float:
    return float(conn.exec_driver_sql(f"SELECT {now_sql(store)}").scalar_one())
