"""Shared fixtures: every store test runs against real SQLite and real PostgreSQL.

Locally a missing PostgreSQL skips its half; with CI=true it fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gateway.store.sql import SqlEventStore, open_store
from tests.delivery.legacy_sim import LegacySim, legacy_sim

POSTGRES_URL = os.environ.get(
    "GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = f"gw_test_{os.getpid()}"


def _postgres_reachable() -> str | None:
    conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(conninfo, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip()


def require_postgres() -> None:
    problem = _postgres_reachable()
    if problem is None:
        return
    message = f"PostgreSQL at {POSTGRES_URL} is not reachable: {problem}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def reset_postgres_schema() -> str:
    """A clean schema of this test run's own; returns a URL whose search_path points at it."""
    conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{SCHEMA}"


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schema() -> Iterator[None]:
    yield
    if _postgres_reachable() is None:
        conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    require_postgres()
    return reset_postgres_schema()


@pytest.fixture
def store(database_url: str) -> Iterator[SqlEventStore]:
    store = open_store(database_url)
    yield store
    store.engine.dispose()


# The simulated GL and CRM in a subprocess (examples/legacy_sim), one per test module.
@pytest.fixture(scope="module")
def sim_server() -> Iterator[LegacySim]:
    with legacy_sim() as sim:
        yield sim


@pytest.fixture
def sim(sim_server: LegacySim) -> LegacySim:
    sim_server.client.post("/_sim/reset").raise_for_status()
    sim_server.chaos()
    sim_server.outage(0)
    return sim_server
