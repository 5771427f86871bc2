"""The floor of ordered delivery with its guarantees: aiohttp, plus the least database work.

`bench/deliver.py`'s bare-aiohttp floor writes nothing; the engine must. What every delivery
needs, at the least: its attempt recorded as started (committed) before the request leaves,
so a crash shows an attempt whose outcome is unknown, never a silent resend; the outcome and
the delivery's new state written after the answer; the next delivery of an account sent only
after the one before it is acknowledged. Here that is hand-written with nothing else: raw
sqlite3 on one thread of its own, every write a batch (one multi-row statement a table, one
transaction, as the engine's `gateway/store/bulk.py` does), the event loop's coroutines only
sending; no claim query, no lease, no rendering, no retry, no metrics, no circuit, no trace.

    .venv/bin/python bench/deliver.py     (prints it between the bare floor and the engine)
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from raw_ceiling import PRAGMAS

TABLES = (
    """CREATE TABLE deliveries (id INTEGER PRIMARY KEY, stream_id VARCHAR(200) NOT NULL,
    status VARCHAR(16) NOT NULL, attempts INTEGER NOT NULL, lease_owner VARCHAR(64),
    delivered_at FLOAT, latency_seconds FLOAT)""",
    """CREATE TABLE delivery_attempts (id INTEGER PRIMARY KEY, delivery_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL, worker VARCHAR(64) NOT NULL, started_at FLOAT NOT NULL,
    latency_ms FLOAT NOT NULL, status_code INTEGER, verdict VARCHAR(16) NOT NULL, error TEXT,
    answer TEXT)""",
    "CREATE INDEX ix_delivery_attempts_delivery ON delivery_attempts (delivery_id)",
)
WORKER = "floor"
Start = tuple[int, float, "asyncio.Future[None]"]
Outcome = tuple[int, float, float, int, str]


class Writes:
    """One thread writing what the senders hand it, a transaction per batch."""

    def __init__(self, path: Path, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.items: queue.SimpleQueue[tuple[str, object] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name="floor-writes", daemon=True)

    def start_of(self, delivery_id: int) -> asyncio.Future[None]:
        done: asyncio.Future[None] = self.loop.create_future()
        self.items.put(("start", (delivery_id, time.time(), done)))
        return done

    def outcome(self, delivery_id: int, started: float, status: int, verdict: str) -> None:
        self.items.put(("outcome", (delivery_id, started, time.time(), status, verdict)))

    def _serve(self) -> None:
        while (item := self.items.get()) is not None:
            batch = [item]
            while True:
                try:
                    more = self.items.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self.items.put(None)
                    break
                batch.append(more)
            starts = [value for kind, value in batch if kind == "start"]
            outcomes = [value for kind, value in batch if kind == "outcome"]
            self._write(starts, outcomes)  # type: ignore[arg-type]
            if starts:
                self.loop.call_soon_threadsafe(_resolve, [done for _, _, done in starts])

    def _write(self, starts: Sequence[Start], outcomes: Sequence[Outcome]) -> None:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        if outcomes:
            many(conn, "WITH v(d, l, s, r) AS (VALUES {}) UPDATE delivery_attempts SET "
                 "latency_ms = v.l, status_code = v.s, verdict = v.r FROM v "
                 "WHERE delivery_attempts.delivery_id = v.d AND delivery_attempts.attempt = 1",
                 [(d, (f - s) * 1000, c, r) for d, s, f, c, r in outcomes])  # fmt: skip
            many(conn, "WITH v(d, f) AS (VALUES {}) UPDATE deliveries SET status = 'delivered', "
                 "delivered_at = v.f, lease_owner = NULL FROM v WHERE deliveries.id = v.d",
                 [(d, f) for d, _, f, _, _ in outcomes])  # fmt: skip
        if starts:
            unknown = [(d, 1, WORKER, s, 0.0, "unknown", "outcome unknown") for d, s, _ in starts]
            many(conn, "INSERT INTO delivery_attempts (delivery_id, attempt, worker, started_at, "
                 "latency_ms, verdict, error) VALUES {}", unknown)  # fmt: skip
            many(conn, "WITH v(d) AS (VALUES {}) UPDATE deliveries SET attempts = 1 FROM v "
                 "WHERE deliveries.id = v.d", [(d,) for d, _, _ in starts])  # fmt: skip
        conn.execute("COMMIT")

    def close(self) -> None:
        self.items.put(None)
        self.thread.join()
        self.conn.close()


def many(conn: sqlite3.Connection, statement: str, rows: Sequence[tuple[object, ...]]) -> None:
    """`statement` with its `{}` as one VALUES list of every row (under SQLite's 32,766
    parameters): one step for the lot, where `executemany` hands the GIL back at every row."""
    width = len(rows[0])
    size = 32_000 // width
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        marks = ", ".join(f"({', '.join('?' * width)})" for _ in chunk)
        conn.execute(statement.format(marks), [value for row in chunk for value in row])


def _resolve(futures: list[asyncio.Future[None]]) -> None:
    for done in futures:
        if not done.cancelled():
            done.set_result(None)


def prepared(path: Path, runs: dict[str, list[int]]) -> None:
    """The floor's own database: one pending delivery a posting, as the dispatcher leaves it."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    for table in TABLES:
        conn.execute(table)
    rows = [(i, stream, "pending", 0, WORKER) for stream, ids in runs.items() for i in ids]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, NULL, NULL)", rows)
    conn.execute("COMMIT")
    conn.close()


async def deliver_all(
    base_url: str, runs: dict[str, list[tuple[int, bytes, dict[str, str]]]], path: Path,
    in_flight: int,
) -> None:  # fmt: skip
    """Each account's deliveries in order, `in_flight` accounts at once, on one session."""
    import aiohttp

    writes = Writes(path, asyncio.get_running_loop())
    writes.thread.start()
    url = base_url + "/gl/v1/postings"
    accounts = iter(runs.values())
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def sender() -> None:
            for run in accounts:
                for delivery_id, body, headers in run:
                    await writes.start_of(delivery_id)
                    started = time.time()
                    async with session.post(url, data=body, headers=headers) as answer:
                        await answer.read()
                    assert answer.status in (200, 201), answer.status
                    writes.outcome(delivery_id, started, answer.status, "delivered")

        await asyncio.gather(*(sender() for _ in range(in_flight)))
    await asyncio.get_running_loop().run_in_executor(None, writes.close)


def delivered(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        query = "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered' AND attempts = 1"
        return int(conn.execute(query).fetchone()[0])
    finally:
        conn.close()
