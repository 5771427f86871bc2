"""Alembic migrations of the gateway's schema, run by `gateway db upgrade` and on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

# Any constant shared by every gateway process (the feed's append lock is 7_300_001).
MIGRATION_LOCK_KEY = 7_300_002


def upgrade(engine: Engine, *, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision`; a no-op when it is already there."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Gateway processes started together: one migrates, the others wait, find it done.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
