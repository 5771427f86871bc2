"""Scale-out under GL's own limits: deliveries per second with one and with two gateway
processes on PostgreSQL, with GL's 8 in flight and 50 requests a second held across both.

The legacy endpoint (the simulated GL) answers every posting in 50 ms. Each round starts real
`python -m gateway run` processes on a fresh schema, appends the postings, and times the drain:
from the append to the last delivery, and as GL saw it, from its first request to its last.
GL's own log of arrivals is checked for the most requests in any one-second window (never
above 50), with how late the requests arrived after the gateway started them.
Target: one or two processes deliver >= 0.95x of the 50/s limit and never above it.

    .venv/bin/python bench/scaleout.py [--events 3000] [--accounts 300] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import bisect
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
from tests.delivery.legacy_sim import TOKEN, LegacySim, legacy_sim
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


class Round:
    def __init__(self, processes: int, drained: float, sim: LegacySim, store: SqlEventStore):
        self.processes, self.drained = processes, drained
        posts = sorted(sim.postings(), key=lambda p: p["at"])
        self.arrivals = [p["at"] for p in posts]
        started = dict(store.fetch(
            "SELECT d.idempotency_key, MIN(a.started_at) FROM delivery_attempts a "
            "JOIN deliveries d ON d.id = a.delivery_id GROUP BY d.idempotency_key"
        ))  # fmt: skip
        self.lags = sorted(p["at"] - float(started[p["key"]]) for p in posts)

    @property
    def at_gl(self) -> float:
        """Requests a second from GL's first to its last."""
        return (len(self.arrivals) - 1) / (self.arrivals[-1] - self.arrivals[0])

    @property
    def most_in_a_second(self) -> int:
        a = self.arrivals
        return max((bisect.bisect_left(a, t + 1.0) - i for i, t in enumerate(a)), default=0)

    def line(self, delay: float) -> str:
        lag = self.lags
        return (
            f"{self.processes} gateway process{'es' if self.processes > 1 else ''}: "
            f"{self.drained:5.1f} deliveries/s from the append ({self.drained / LIMIT:.3f}x), "
            f"{self.at_gl:5.1f}/s at GL from its first request to its last "
            f"({self.at_gl / LIMIT:.3f}x; {delay * 1000:.0f} ms answers); most in any second "
            f"{self.most_in_a_second} (arrival after the start: p99 "
            f"{lag[int(len(lag) * 0.99)] * 1000:.1f} ms, max {lag[-1] * 1000:.1f} ms)"
        )


def round_of(processes: int, args: argparse.Namespace, sim: LegacySim, folder: Path) -> Round:
    """Deliveries per second of `processes` gateways draining `args.events` postings."""
    url = reset_postgres_schema()
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    store = open_store(url)
    gateways: list[GatewayProcess] = []
    try:
        for n in range(processes):
            log = folder / f"gateway-{n}.log"
            gateways.append(start(config, url, sim.base_url, log, extra={"GL_TOKEN": TOKEN}))
            wait_until_up(gateways[-1], log)
        started = time.perf_counter()
        append_deposits(store, accounts=args.accounts, per_account=args.events // args.accounts)
        while delivered(store) < args.events:
            time.sleep(0.05)
        drained = args.events / (time.perf_counter() - started)
        return Round(processes, drained, sim, store)
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
    above = []
    with legacy_sim() as sim, _dropped_afterwards():
        for processes in (1, 2):
            sim.client.post("/_sim/reset").raise_for_status()
            sim.chaos(delay=args.delay)
            result = round_of(processes, args, sim, folder)
            print(result.line(args.delay))
            if result.most_in_a_second > LIMIT:
                above.append(result.processes)
    if above:
        raise SystemExit(f"GL saw more than {LIMIT:.0f} requests in one second: {above}")


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
