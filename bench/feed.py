"""Feed speed over HTTP: a client pulls N events from `GET /events` in pages, reading the bytes.

Stores N events (the append benchmark's postings) in SQLite, serves the gateway with uvicorn in
a child process, and pulls the whole feed over one keep-alive connection in pages of `--page`
(the next `after` from the `Link` header, the body read but not parsed). The ceiling, in the
same run: sqlite3 fetching the same rows (the feed's columns, page by page) and joining their
stored `data` bytes into one array, as a server that spliced nothing else would.

    .venv/bin/python bench/feed.py [--events 1000000] [--streams 100000] [--page 1000]
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from append import measure_store, stream_ids

from gateway.store.writes import EVENT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-platform-token"


def serve(database: str, port: int) -> None:
    import logging

    import uvicorn

    from gateway.api import create_app
    from gateway.bootstrap import build
    from gateway.config import parse_config

    logging.disable(logging.WARNING)
    gateway = build(parse_config({"database": {"url": f"sqlite:///{database}"}}))
    uvicorn.run(create_app(gateway), host="127.0.0.1", port=port, log_config=None,
                access_log=False)  # fmt: skip


def start_server(database: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
           "GATEWAY_PLATFORM_TOKENS": TOKEN}  # fmt: skip
    command = [sys.executable, __file__, "--serve", database, "--port", str(port)]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the gateway did not start")


def pull_over_http(port: int, events: int, page: int) -> tuple[float, int]:
    """Seconds to pull every event, and the bytes read."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        client.get("/events", params={"after": 0, "limit": 1})  # connect and warm up
        started, after, received, pages = time.perf_counter(), 0, 0, 0
        while after < events:
            answer = client.get("/events", params={"after": after, "limit": page})
            received += len(answer.content)
            after = int(answer.links["next"]["url"].split("after=")[1].split("&")[0])
            pages += 1
        return time.perf_counter() - started, received


def raw_fetch(database: str, events: int, page: int) -> float:
    conn = sqlite3.connect(database)
    started, after = time.perf_counter(), 0
    while after < events:
        rows = conn.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?",
            (after, page),
        ).fetchall()
        body = b"[" + b",".join(row[6] for row in rows) + b"]"
        assert body
        after = rows[-1][0]
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--streams", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "gateway.db")
        measure_store(Path(database), stream_ids(min(args.streams, args.events), ordered=True),
                      args.events, 1000)  # fmt: skip
        process, port = start_server(database)
        try:
            http, size = pull_over_http(port, args.events, args.page)
        finally:
            process.terminate()
            process.wait(30)
        raw = raw_fetch(database, args.events, args.page)
    print(
        f"{args.events:,} events in pages of {args.page:,} ({size / args.events:.0f} bytes each): "
        f"over HTTP {args.events / http:,.0f} ev/s (target >= 300,000) | raw sqlite3 fetch + "
        f"join {args.events / raw:,.0f} ev/s | {raw / http:.2f}x that ceiling (target >= 0.50x)"
    )


if __name__ == "__main__":
    main()
