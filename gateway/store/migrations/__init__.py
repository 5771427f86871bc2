"""Alembic migrations of the gateway's schema, run by `gateway db upgrade` and on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine


def upgrade(engine: Engine, *, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision`; a no-op when it is already there."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
