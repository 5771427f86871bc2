"""Scale-out under GL's own limits: deliveries per second with one and with two gateway
processes on PostgreSQL, with GL's 8 in flight and 50 requests a second held across both.

The legacy endpoint (the simulated GL) answers every posting in 50 ms. Each round starts real
`python -m gateway run` processes on a fresh schema, appends the postings, and times the drain.
Target: one or two processes deliver >= 0.95x of the 50/s limit and never above it.

    .venv/bin/python bench/scaleout.py [--events 3000] [--accounts 300] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.store.sql import SqlEventStore, open_store
from tests.conftest import POSTGRES_URL, SCHEMA, require_postgres, reset_postgres_schema
from tests.delivery.ledger import append_deposits
from tests.delivery.legacy_sim import TOKEN, legacy_sim
from tests.scaleout.cluster import GatewayProcess, start, wait_until_up

CONFIG = """\
log: {format: json, level: WARNING}
destinations:
  gl:
    adapter: adapters.gl:LedgerDestination
    base_url_env: SINK_URL
    auth: {scheme: bearer, token_env: GL_TOKEN}
    events: [FundsDeposited]
    idempotency_header: X-Idempotency-Key
    timeout_seconds: 5
    lease_seconds: 30
    max_in_flight: 8
    rate_limit_per_second: 50
"""
LIMIT = 50.0


def delivered(store: SqlEventStore) -> int:
    rows = store.fetch("SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'")
    return int(rows[0][0])


def round_of(processes: int, args: argparse.Namespace, sink_url: str, folder: Path) -> float:
    """Deliveries per second of `processes` gateways draining `args.events` postings."""
    url = reset_postgres_schema()
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    store = open_store(url)
    gateways: list[GatewayProcess] = []
    try:
        for n in range(processes):
            log = folder / f"gateway-{n}.log"
            gateways.append(start(config, url, sink_url, log, extra={"GL_TOKEN": TOKEN}))
            wait_until_up(gateways[-1], log)
        started = time.perf_counter()
        append_deposits(store, accounts=args.accounts, per_account=args.events // args.accounts)
        while delivered(store) < args.events:
            time.sleep(0.05)
        return args.events / (time.perf_counter() - started)
    finally:
        for gateway in gateways:
            gateway.stop()
        store.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--delay", type=float, default=0.05, help="the endpoint's answer time")
    args = parser.parse_args()
    require_postgres()
    folder = Path(tempfile.mkdtemp())
    with legacy_sim() as sim, _dropped_afterwards():
        sim.chaos(delay=args.delay)
        one = round_of(1, args, sim.base_url, folder)
        print(f"one gateway process:   {one:7.1f} deliveries/s ({args.delay * 1000:.0f} ms "
              f"answers): {one / LIMIT:.2f}x GL's {LIMIT:.0f}/s")  # fmt: skip
        sim.client.post("/_sim/reset").raise_for_status()
        sim.chaos(delay=args.delay)
        two = round_of(2, args, sim.base_url, folder)
        print(f"two gateway processes: {two:7.1f} deliveries/s: {two / LIMIT:.2f}x GL's "
              f"{LIMIT:.0f}/s")  # fmt: skip


@contextlib.contextmanager
def _dropped_afterwards() -> Iterator[None]:
    try:
        yield
    finally:
        conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


if __name__ == "__main__":
    main()
