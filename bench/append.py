"""Batch append and feed read speed of the SQLite event store, against raw sqlite3.

Appends N events (about 370 bytes of data each) over S streams in batches, once with
time-ordered stream ids and once with random ones, and measures in the same run the ceiling:
`sqlite3.executemany` of the same rows into an equivalent table with the same pragmas.

    .venv/bin/python bench/append.py [--events 1000000] [--streams 100000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
from raw_ceiling import raw_events_table

from gateway.store import NewEvent, StreamAppend, open_store
from gateway.store.writes import EVENT_COLUMNS


def stream_ids(count: int, *, ordered: bool) -> list[str]:
    if ordered:  # e.g. account numbers handed out in opening order
        return [f"account-{n:012d}" for n in range(count)]
    return [f"account-{uuid.uuid4()}" for _ in range(count)]


def deposit(stream: str, n: int) -> dict[str, object]:
    return {
        "account_no": stream[-12:],
        "posting_ref": f"TX{n:014d}",
        "amount": {"amount": f"{(n % 99_999) / 100 + 1:.2f}", "currency": "EUR"},
        "value_date": "2026-11-26",
        "narrative": "SALARY NOVEMBER ACME LTD",
        "channel": "CBS",
        "overdrawn": False,
        "balance_after": {"amount": "1234.56", "currency": "EUR"},
        "booked_at": "2026-11-26T01:02:03.456789+00:00",
        "branch": "0042",
        "teller": "BATCH",
        "batch_ref": "CBS_POSTINGS_20261126_001",
    }


def batches(
    streams: list[str], events: int, batch: int
) -> Iterator[list[tuple[str, int, dict[str, object]]]]:
    """Round after round over every stream, so each stream's events interleave with others."""
    pending: list[tuple[str, int, dict[str, object]]] = []
    rounds = events // len(streams)
    for version in range(1, rounds + 1):
        for index, stream in enumerate(streams):
            pending.append((stream, version, deposit(stream, version * len(streams) + index)))
            if len(pending) == batch:
                yield pending
                pending = []
    if pending:
        yield pending


def measure_store(path: Path, streams: list[str], events: int, batch: int) -> float:
    store = open_store(f"sqlite:///{path}")
    metadata = {"command_id": str(uuid.uuid4()), "source": "bench"}
    prepared = list(batches(streams, events, batch))
    started = time.perf_counter()
    for chunk in prepared:
        with store.transaction() as tx:
            tx.append(
                [
                    StreamAppend(
                        stream, version - 1, [NewEvent("FundsDeposited", data, 2, metadata)]
                    )
                    for stream, version, data in chunk
                ]
            )
    elapsed = time.perf_counter() - started
    store.engine.dispose()
    return elapsed


def measure_raw(path: Path, streams: list[str], events: int, batch: int) -> float:
    """The ceiling: rows already built and serialised, straight into executemany."""
    conn = raw_events_table(path)
    meta = orjson.dumps({"command_id": str(uuid.uuid4()), "source": "bench"})
    position = 0
    prepared = []
    for chunk in batches(streams, events, batch):
        rows = []
        for stream, version, data in chunk:
            position += 1
            rows.append(
                (position, stream, version, str(uuid.uuid4()), "FundsDeposited", 2,
                 orjson.dumps(data), meta, "2026-11-26T01:02:03.000000Z")
            )  # fmt: skip
        prepared.append(rows)
    sql = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"
    started = time.perf_counter()
    for rows in prepared:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def measure_read(path: Path, events: int) -> float:
    store = open_store(f"sqlite:///{path}", migrate=False)
    started = time.perf_counter()
    after, read = 0, 0
    while True:
        page = store.read_all(after=after, limit=10_000)
        if not page:
            break
        read += len(page)
        after = page[-1].position
    elapsed = time.perf_counter() - started
    assert read == events, (read, events)
    store.engine.dispose()
    return elapsed


def measure_fetch(path: Path, events: int, *, parse: bool = False) -> float:
    """The read ceilings: the same rows fetched with sqlite3, with or without parsing the JSON.

    `parse` adds `orjson.loads` of data and metadata, with the collector paused and no event
    built: what any reader of these rows must at least spend to hand out decoded events.
    """
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    after, read = 0, 0
    while True:
        gc.disable()
        rows = conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?",
            (after, 10_000),
        ).fetchall()
        if parse:
            parsed = [(orjson.loads(row[6]), orjson.loads(row[7])) for row in rows]
            assert len(parsed) == len(rows)
        gc.enable()
        if not rows:
            break
        read += len(rows)
        after = rows[-1][0]
    elapsed = time.perf_counter() - started
    conn.close()
    assert read == events, (read, events)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--streams", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    size = len(orjson.dumps(deposit("account-000000000001", 123)))
    print(f"{args.events:,} events of ~{size} bytes over {args.streams:,} streams, "
          f"batches of {args.batch:,}")  # fmt: skip
    for ordered in (True, False):
        streams = stream_ids(args.streams, ordered=ordered)
        random.shuffle(streams) if not ordered else None
        with tempfile.TemporaryDirectory() as folder:
            raw = measure_raw(Path(folder) / "raw.db", streams, args.events, args.batch)
            ours = measure_store(Path(folder) / "store.db", streams, args.events, args.batch)
            read = measure_read(Path(folder) / "store.db", args.events)
            fetch = measure_fetch(Path(folder) / "store.db", args.events)
            parse = measure_fetch(Path(folder) / "store.db", args.events, parse=True)
        label = "time-ordered ids" if ordered else "random ids      "
        print(
            f"{label}: raw executemany {args.events / raw:>9,.0f} ev/s | "
            f"store append {args.events / ours:>9,.0f} ev/s = {raw / ours:.2f}x ceiling "
            f"(target >= 0.50x)\n{'':18}feed read    {args.events / read:>9,.0f} ev/s "
            f"(target >= 300,000) | raw fetch {args.events / fetch:,.0f} ev/s, "
            f"raw fetch + JSON parse {args.events / parse:,.0f} ev/s = "
            f"{parse / read:.2f}x that floor"
        )


if __name__ == "__main__":
    main()
