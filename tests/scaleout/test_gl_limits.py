"""GL's limits are GL's, not each process's: two `gateway workers` (or `gateway run`) processes
on one PostgreSQL never have more than 8 postings in flight, nor start more than 50 in any one
second."""

from __future__ import annotations

import bisect
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.store.sql import SqlEventStore, open_store
from tests.conftest import require_postgres, reset_postgres_schema
from tests.delivery.gl_stub import GlStub, Seen, serve_gl
from tests.delivery.ledger import POSTING_TYPES, all_delivered, append_deposits
from tests.delivery.legacy_sim import ROOT
from tests.http_server import free_port

pytestmark = pytest.mark.postgres
GATEWAY = str(Path(sys.executable).parent / "gateway")


def most_in_flight(seen: list[Seen]) -> int:
    """The most requests GL was answering at one moment (an end before a start at a tie)."""
    moments = sorted([(s.started, 1) for s in seen] + [(s.ended, -1) for s in seen])
    level = top = 0
    for _, change in moments:
        level += change
        top = max(top, level)
    return top


def most_in_one_second(seen: list[Seen]) -> int:
    """The most requests started within any one-second window [t, t + 1)."""
    starts = sorted(s.started for s in seen)
    return max((bisect.bisect_left(starts, t + 1.0) - i for i, t in enumerate(starts)), default=0)


def test_the_detectors_catch_too_many_at_once_and_too_many_in_a_second() -> None:
    def seen(start: float, end: float) -> Seen:
        return Seen("r", "a", "k", start, end, 201)

    assert most_in_flight([seen(0, 1), seen(0.5, 1.5), seen(1.0, 2.0)]) == 2
    assert most_in_one_second([seen(n / 60, n / 60) for n in range(60)]) == 60
    assert most_in_one_second([seen(n * 0.0201, n * 0.0201) for n in range(100)]) == 50


def worker_config(folder: Path, url: str) -> Path:
    destination: dict[str, Any] = {
        "adapter": "adapters.gl:LedgerDestination", "base_url_env": "GL_BASE_URL",
        "auth": {"scheme": "bearer", "token_env": "GL_TOKEN"}, "events": POSTING_TYPES,
        "idempotency_header": "X-Idempotency-Key", "timeout_seconds": 2, "lease_seconds": 5,
        "max_in_flight": 8, "rate_limit_per_second": 50, "run_length": 4,
        "retry": {"delays_seconds": [0.1], "stop_after_attempts": 100},
    }  # fmt: skip
    path = folder / "config.yaml"
    config = {"database": {"url": url}, "log": {"level": "WARNING"},
              "destinations": {"gl": destination}}  # fmt: skip
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def postgres_store() -> Iterator[tuple[str, SqlEventStore]]:
    require_postgres()
    url = reset_postgres_schema()
    store = open_store(url)
    yield url, store
    store.engine.dispose()


def run_two_processes(
    url: str, store: SqlEventStore, gl: GlStub, folder: Path, *, total: int, command: str
) -> None:
    """Two processes of `gateway workers` (delivery alone) or `gateway run` (the API and
    delivery), until every posting is delivered."""
    config = worker_config(folder, url)
    env = {**os.environ, "GL_BASE_URL": gl.url, "GL_TOKEN": "t"}
    env.pop("GATEWAY_DATABASE_URL", None)
    commands = [
        [GATEWAY, "workers", "--config", str(config), "--worker-id", name]
        if command == "workers"
        else [GATEWAY, "run", "--config", str(config), "--port", str(free_port())]
        for name in ("left", "right")
    ]
    processes = [
        subprocess.Popen(line, cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for line in commands
    ]
    try:
        deadline = time.monotonic() + 120
        while not all_delivered(store, total) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all_delivered(store, total)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def in_order_once(seen: list[Seen], accounts: int, per_account: int) -> None:
    refs = [s.ref for s in seen]
    assert len(refs) == len(set(refs)) == accounts * per_account  # each posting once
    by_account: dict[str, list[Seen]] = defaultdict(list)
    for s in seen:
        by_account[s.account].append(s)
    for n, (_, arrived) in enumerate(sorted(by_account.items())):
        ordered = sorted(arrived, key=lambda s: s.started)
        assert [s.ref for s in ordered] == [f"TX{n:05d}-{r:05d}" for r in range(per_account)]
        assert all(b.started >= a.ended for a, b in itertools.pairwise(ordered))


@pytest.mark.parametrize("command", ["workers", "run"])
def test_two_processes_hold_gls_eight_in_flight_with_slow_answers(
    postgres_store: tuple[str, SqlEventStore], tmp_path: Path, command: str
) -> None:
    url, store = postgres_store
    append_deposits(store, accounts=60, per_account=4)
    with serve_gl(GlStub(delay=0.2)) as gl:
        run_two_processes(url, store, gl, tmp_path, total=240, command=command)
    assert most_in_flight(gl.seen) == 8  # the limit, reached and never passed
    assert most_in_one_second(gl.seen) <= 50
    in_order_once(gl.seen, 60, 4)
    senders = {s[0] for s in store.fetch("SELECT DISTINCT worker FROM delivery_attempts")}
    assert len(senders) == 2  # both processes sent
    if command == "workers":
        assert senders == {"left", "right"}


def test_two_processes_hold_gls_fifty_a_second_with_fast_answers(
    postgres_store: tuple[str, SqlEventStore], tmp_path: Path
) -> None:
    url, store = postgres_store
    append_deposits(store, accounts=50, per_account=4)
    with serve_gl(GlStub(delay=0.01)) as gl:
        run_two_processes(url, store, gl, tmp_path, total=200, command="workers")
    assert most_in_one_second(gl.seen) <= 50
    assert most_in_flight(gl.seen) <= 8
    in_order_once(gl.seen, 50, 4)
    starts = sorted(s.started for s in gl.seen)
    # Sending goes on, not starved (10/s holds on a loaded machine; the speed is bench/scaleout.py)
    assert (len(starts) - 1) / (starts[-1] - starts[0]) >= 10
