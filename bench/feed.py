"""Feed speed over HTTP: a client pulls N events from `GET /events` in pages, reading the bytes.

Stores N events (the append benchmark's postings) in SQLite, serves the gateway with uvicorn in
a child process, and pulls the whole feed over one keep-alive connection in pages of `--page`
(the next `after` from the `Link` header, the body read but not parsed), once with httpx and
once with the standard library's `http.client`: the client's own HTTP parsing is part of the
figure, and httpx's (h11, pure Python) costs several times that of `http.client`. It does so
from a gateway reading pages ahead as configured (`http.feed_read_ahead_pages`) and from one
reading none. Each line gives the CPU time a page costs the client and the server (read from
/proc), which shows where the time goes. The ceiling, in the same run (before and after the
pulls, the faster counts): sqlite3 fetching the same rows (the feed's columns, page by page)
and joining their stored `data` bytes into one array, as a server that spliced nothing else
would.

    .venv/bin/python bench/feed.py [--events 1000000] [--streams 100000] [--page 1000]
                                   [--read-ahead PAGES]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import httpx
from append import measure_store, stream_ids

from gateway.config import HttpConfig
from gateway.store.feed_pages import feed_page
from gateway.store.sql import open_store
from gateway.store.writes import EVENT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-platform-token"


def serve(database: str, port: int, read_ahead: int) -> None:
    import logging

    import uvicorn

    from gateway.api import create_app
    from gateway.api.serving import server_config
    from gateway.bootstrap import build
    from gateway.config import parse_config

    logging.disable(logging.WARNING)
    config = {"database": {"url": f"sqlite:///{database}"},
              "http": {"feed_read_ahead_pages": read_ahead}}  # fmt: skip
    gateway = build(parse_config(config))
    app = create_app(gateway)  # served as `gateway run` serves it
    uvicorn.Server(server_config(app, config=gateway.config, host="127.0.0.1", port=port)).run()


def start_server(database: str, read_ahead: int) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
           "GATEWAY_PLATFORM_TOKENS": TOKEN}  # fmt: skip
    command = [sys.executable, __file__, "--serve", database, "--port", str(port),
               "--read-ahead", str(read_ahead)]  # fmt: skip
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


class Pull(NamedTuple):
    seconds: float
    received: int
    client_cpu: float
    server_cpu: float


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of process `pid` so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def next_after(link: str) -> int:
    return int(link.split("after=")[1].split("&")[0])


def pull_with_httpx(port: int, server: int, events: int, page: int) -> Pull:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        client.get("/events", params={"after": 0, "limit": 1})  # connect and warm up
        cpu, server_cpu, started = time.process_time(), cpu_seconds(server), time.perf_counter()
        after, received = 0, 0
        while after < events:
            answer = client.get("/events", params={"after": after, "limit": page})
            received += len(answer.content)
            after = next_after(answer.headers["link"])
        return Pull(time.perf_counter() - started, received, time.process_time() - cpu,
                    cpu_seconds(server) - server_cpu)  # fmt: skip


def pull_with_http_client(port: int, server: int, events: int, page: int) -> Pull:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/events?after=0&limit=1", headers=headers)
    connection.getresponse().read()
    cpu, server_cpu, started = time.process_time(), cpu_seconds(server), time.perf_counter()
    after, received = 0, 0
    while after < events:
        connection.request("GET", f"/events?after={after}&limit={page}", headers=headers)
        answer = connection.getresponse()
        received += len(answer.read())
        after = next_after(answer.getheader("link", ""))
    connection.close()
    return Pull(time.perf_counter() - started, received, time.process_time() - cpu,
                cpu_seconds(server) - server_cpu)  # fmt: skip


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


def in_process(database: str, events: int, page: int) -> float:
    """Seconds `feed_page` takes for every page, called directly: the server's floor."""
    store = open_store(f"sqlite:///{database}", migrate=False)
    started, after = time.perf_counter(), 0
    while after < events:
        _, after = feed_page(store, after=after, limit=page)
    elapsed = time.perf_counter() - started
    store.engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--streams", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int)
    parser.add_argument("--read-ahead", type=int, default=HttpConfig().feed_read_ahead_pages)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.read_ahead)
        return
    pulls: dict[str, Pull] = {}
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "gateway.db")
        measure_store(Path(database), stream_ids(min(args.streams, args.events), ordered=True),
                      args.events, 1000)  # fmt: skip
        raw = raw_fetch(database, args.events, args.page)
        for read_ahead in (args.read_ahead, 0):
            pulls.update(pull_both(database, args, read_ahead))
        raw = min(raw, raw_fetch(database, args.events, args.page))  # the faster of the two
        store = in_process(database, args.events, args.page)
    pages = args.events / args.page
    size = next(iter(pulls.values())).received / args.events
    ceiling = f"raw sqlite3 fetch + join (best of two) {args.events / raw:,.0f} ev/s"
    print(f"{args.events:,} events in pages of {args.page:,} ({size:.0f} bytes each); "
          f"the ceiling, {ceiling}")  # fmt: skip
    print(f"  the store's part, feed_page in-process (read and checked, no HTTP): "
          f"{args.events / store:,.0f} ev/s, {store / pages * 1e3:.2f} ms a page")  # fmt: skip
    for label, pull in pulls.items():
        print(
            f"  {label:38} {args.events / pull.seconds:>9,.0f} ev/s (target >= 300,000) = "
            f"{raw / pull.seconds:.2f}x the ceiling (target >= 0.50x) | per page "
            f"{pull.seconds / pages * 1e3:.2f} ms, CPU: client "
            f"{pull.client_cpu / pages * 1e3:.2f} ms, server {pull.server_cpu / pages * 1e3:.2f} ms"
        )


def pull_both(database: str, args: argparse.Namespace, read_ahead: int) -> dict[str, Pull]:
    """The feed pulled by each client from one server reading `read_ahead` pages ahead."""
    process, port = start_server(database, read_ahead)
    ahead = f"{read_ahead} pages read ahead" if read_ahead else "none read ahead"
    try:
        return {
            f"httpx, {ahead}": pull_with_httpx(port, process.pid, args.events, args.page),
            f"http.client, {ahead}": pull_with_http_client(
                port, process.pid, args.events, args.page
            ),
        }
    finally:
        process.terminate()
        process.wait(30)


if __name__ == "__main__":
    main()
