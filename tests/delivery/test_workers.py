"""Worker processes: a killed worker loses nothing; two workers never send one delivery at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.store.sql import SqlEventStore, open_store
from tests.conftest import require_postgres, reset_postgres_schema
from tests.delivery.ledger import POSTING_TYPES, all_delivered, append_deposits
from tests.delivery.legacy_sim import ROOT, TOKEN, LegacySim
from tests.waiting import wait_until

GATEWAY = str(Path(sys.executable).parent / "gateway")


def worker_config(tmp_path: Path, database_url: str) -> Path:
    destination: dict[str, Any] = {
        "adapter": "adapters.gl:LedgerDestination", "base_url_env": "GL_BASE_URL",
        "auth": {"scheme": "bearer", "token_env": "GL_TOKEN"}, "events": POSTING_TYPES,
        "idempotency_header": "X-Idempotency-Key", "timeout_seconds": 1, "lease_seconds": 3,
        "max_in_flight": 16, "run_length": 4,
        "retry": {"delays_seconds": [0.05, 0.1], "stop_after_attempts": 100},
    }  # fmt: skip
    path = tmp_path / "config.yaml"
    config = {"database": {"url": database_url}, "log": {"level": "WARNING"},
              "destinations": {"gl": destination}}  # fmt: skip
    path.write_text(yaml.safe_dump(config))
    return path


def start_worker(config: Path, sim: LegacySim, name: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GL_BASE_URL": sim.base_url, "GL_TOKEN": TOKEN}
    env.pop("GATEWAY_DATABASE_URL", None)
    return subprocess.Popen(
        [GATEWAY, "workers", "--config", str(config), "--worker-id", name],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def test_a_worker_killed_mid_delivery_loses_nothing(
    store: SqlEventStore, database_url: str, tmp_path: Path, sim: LegacySim
) -> None:
    append_deposits(store, accounts=20, per_account=10)
    sim.chaos(delay=0.05)  # slow answers: the kill lands with deliveries in flight
    config = worker_config(tmp_path, database_url)
    first = start_worker(config, sim, "first")
    assert wait_until(lambda: len(sim.postings()) >= 20, timeout=30)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    with store.engine.connect() as conn:
        leased = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM deliveries WHERE lease_owner = 'first'"
        ).scalar_one()
    assert leased > 0  # it died holding leases
    second = start_worker(config, sim, "second")
    try:
        assert wait_until(lambda: all_delivered(store, 200), timeout=60)
    finally:
        stop(second)
    refs = {p["ref"] for p in sim.postings()}
    assert len(refs) == 200
    keys: dict[str, set[str]] = {}
    for posting in sim.postings():
        keys.setdefault(posting["ref"], set()).add(posting["key"])
    assert all(len(k) == 1 for k in keys.values())


@pytest.mark.postgres
def test_two_workers_on_postgresql_never_send_one_delivery_at_once(
    tmp_path: Path, sim: LegacySim
) -> None:
    require_postgres()
    url = reset_postgres_schema()
    store = open_store(url)
    try:
        sim.chaos(delay=0.05)  # the work outlasts a slot renewal: a later process gets its share
        config = worker_config(tmp_path, url)
        workers = [start_worker(config, sim, name) for name in ("left", "right")]
        try:
            # Both are up and have leased slots before there is work: the first to start must
            # not finish it all while the second is still starting.
            seen: set[str] = set()
            assert wait_until(
                lambda: seen.update(slot_holders(store)) or len(seen) == 2, timeout=60
            )
            append_deposits(store, accounts=100, per_account=5)
            assert wait_until(lambda: all_delivered(store, 500), timeout=60)
        finally:
            for worker in workers:
                stop(worker)
        assert sim.stats()["overlaps"] == 0
        postings = sim.postings()
        assert len({p["ref"] for p in postings}) == 500
        with store.engine.connect() as conn:
            owners = conn.exec_driver_sql("SELECT DISTINCT worker FROM delivery_attempts").all()
        assert {o[0] for o in owners} == {"left", "right"}  # both shared the work
    finally:
        store.engine.dispose()


def slot_holders(store: SqlEventStore) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT DISTINCT holder FROM delivery_slots WHERE holder IS NOT NULL"
        ).all()
    return {r[0] for r in rows}


def test_an_attempt_cut_short_by_sigkill_is_recorded_with_its_outcome_unknown(
    store: SqlEventStore, database_url: str, tmp_path: Path
) -> None:
    """GL may have taken the posting: the operator sees the attempt, as "outcome unknown"."""
    from gateway.delivery import operations
    from tests.delivery.gl_stub import GlStub, serve_gl

    append_deposits(store, accounts=1, per_account=1)
    config = worker_config(tmp_path, database_url)
    with serve_gl(GlStub(delay=30)) as gl:  # GL takes the posting and never answers in time
        env = {**os.environ, "GL_BASE_URL": gl.url, "GL_TOKEN": TOKEN}
        env.pop("GATEWAY_DATABASE_URL", None)
        worker = subprocess.Popen(
            [GATEWAY, "workers", "--config", str(config), "--worker-id", "doomed"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_until(lambda: gl.in_flight == 1, timeout=30)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
    (delivery,) = operations.list_deliveries(store)
    shown = operations.show_delivery(store, delivery.fields["id"])
    (attempt,) = shown.attempts
    assert (attempt["worker"], attempt["attempt"]) == ("doomed", 1)
    assert operations.outcome_unknown(attempt)
    assert attempt["error"].startswith("outcome unknown")
    assert shown.fields["attempts"] == 1 and shown.fields["status"] == "pending"
