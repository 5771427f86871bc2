"""Signed JSON webhooks against one gateway process on SQLite, beside a bare FastAPI endpoint.

64 keep-alive connections post Standard Webhooks-signed customer registrations; each `202` is
answered only after the command is verified, translated, decided and committed. In the same run
a bare FastAPI endpoint parses the same bodies and answers `202` without storing: the ceiling.
Afterwards the `202`s are counted against the commands stored: none may be lost.

    .venv/bin/python bench/webhooks.py [--requests 6000] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import orjson
from fastapi import FastAPI, Request, Response

SECRET = "whsec_" + base64.b64encode(b"bench-secret-bench-secret-bench!").decode()
ROOT = Path(__file__).resolve().parents[1]


# --- the two servers, each run in a process of its own ---------------------------------------


class CustomerRegistrations:
    """The bench source's adapter: a JSON customer registration, the gateway's default reply."""

    def __init__(self, name: str, config: Any) -> None:
        self.name = name

    def message_id(self, message: Any) -> None:
        return None

    def translate(self, message: Any, *, command_id: UUID) -> Any:
        from gateway.domain.customers import RegisterCustomer

        return RegisterCustomer.model_validate({**message.fields, "command_id": command_id})

    def reply(self, record: Any) -> None:
        return None

    def refusal(self, error: Any) -> None:
        return None


def gateway_app(database: str) -> Any:
    from gateway.api import create_app
    from gateway.bootstrap import build
    from gateway.config import parse_config

    os.environ["BENCH_WEBHOOK_SECRET"] = SECRET
    source = {
        "kind": "webhook",
        "adapter": "webhooks:CustomerRegistrations",
        "auth": {"scheme": "standard_webhooks", "secret_envs": ["BENCH_WEBHOOK_SECRET"]},
        "content_types": ["json"],
    }
    config = {"database": {"url": f"sqlite:///{database}"}, "sources": {"bench": source}}
    gateway = build(parse_config(config))
    gateway.start()  # as `gateway run` does: its background work runs beside the requests
    return create_app(gateway)


def bare_app() -> Any:
    app = FastAPI()

    @app.post("/webhooks/bench")
    async def bare(request: Request) -> Response:
        orjson.loads(await request.body())
        return Response(b'{"status":"accepted"}', status_code=202, media_type="application/json")

    return app


def serve(kind: str, port: int, database: str) -> None:
    import logging

    import uvicorn

    logging.disable(logging.WARNING)
    app = gateway_app(database) if kind == "gateway" else bare_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


# --- the load: raw HTTP/1.1 over asyncio streams, so the client costs little -----------------


def signed_request(number: int, port: int) -> bytes:
    from gateway.webhooks.signatures import decode_secret, sign

    body = orjson.dumps(
        {
            "customer_no": f"{number:08d}",
            "name": "Ada Lovelace",
            "line1": "1 High Street",
            "city": "London",
            "postcode": "N1 9GU",
            "country": "GB",
            "changed_at": "2026-11-26T09:00:00Z",
        }
    )
    msg_id, stamp = f"msg_{number}", int(time.time())
    signature = sign(decode_secret(SECRET), msg_id=msg_id, timestamp=stamp, body=body)
    head = (
        f"POST /webhooks/bench HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"webhook-id: {msg_id}\r\nwebhook-timestamp: {stamp}\r\n"
        f"webhook-signature: {signature}\r\n\r\n"
    )
    return head.encode() + body


async def connection(
    port: int, queue: list[bytes], latencies: list[float], statuses: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while queue:
            request = queue.pop()
            started = time.perf_counter()
            writer.write(request)
            status, length = await read_head(reader)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses.append(status)
    finally:
        writer.close()


async def read_head(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return int(lines[0].split()[1]), length


async def drive(port: int, requests: list[bytes], connections: int) -> dict[str, Any]:
    queue = list(reversed(requests))
    latencies: list[float] = []
    statuses: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(connection(port, queue, latencies, statuses) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "accepted": statuses.count(202),
        "other": len(statuses) - statuses.count(202),
    }


def start_server(kind: str, database: str) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}"}
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port), "--database", database],
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the {kind} server did not start")


def measure(kind: str, database: str, count: int, connections: int, offset: int) -> dict[str, Any]:
    process, port = start_server(kind, database)
    try:
        warm = [signed_request(offset + n, port) for n in range(200)]
        asyncio.run(drive(port, warm, connections))
        load = [signed_request(offset + 1000 + n, port) for n in range(count)]
        cpu = cpu_seconds(process.pid)
        result = asyncio.run(drive(port, load, connections))
        result["cpu_ms"] = (cpu_seconds(process.pid) - cpu) * 1000 / count
        result["group"] = mean_group_size(port) if kind == "gateway" else None
        return result
    finally:
        process.terminate()
        process.wait(timeout=30)


def mean_group_size(port: int) -> float:
    """Commands per transaction, from the gateway's own metric."""
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    totals = {}
    for line in metrics.splitlines():
        if line.startswith(("gateway_webhook_group_size_sum", "gateway_webhook_group_size_count")):
            name, value = line.split()
            totals[name.rsplit("_", 1)[1]] = float(value)
    return totals["sum"] / totals["count"] if totals.get("count") else float("nan")


def cpu_seconds(pid: int) -> float:
    """The server's CPU time (user + system): a figure other load on the machine hardly moves."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_commands(database: str) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM commands").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--serve", choices=["gateway", "bare"])
    parser.add_argument("--port", type=int)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.database)
        return
    with tempfile.TemporaryDirectory() as folder:
        database = str(Path(folder) / "gateway.db")
        bare = measure("bare", database, args.requests, args.connections, offset=0)
        gateway = measure("gateway", database, args.requests, args.connections, offset=10**7)
        stored = stored_commands(database) - 200  # the warm-up's commands
    print(f"{args.requests} signed JSON webhooks, {args.connections} connections, SQLite")
    for name, result in (("bare FastAPI endpoint", bare), ("gateway (stored)", gateway)):
        print(
            f"  {name:22} {result['rate']:8.0f} req/s  p50 {result['p50_ms']:6.1f} ms  "
            f"p99 {result['p99_ms']:6.1f} ms  server CPU {result['cpu_ms']:.3f} ms/req  "
            f"202s {result['accepted']}  others {result['other']}"
        )
    ratio = gateway["rate"] / bare["rate"]
    lost = gateway["accepted"] - stored
    cpu_ratio = bare["cpu_ms"] / gateway["cpu_ms"]
    print(f"  gateway / bare: {ratio:.2f}x by rate, {cpu_ratio:.2f}x by server CPU per request")
    print("  targets: >= 0.5x the bare rate, p99 <= 50 ms")
    print(f"  mean group commit: {gateway['group']:.1f} commands a transaction")
    print(f"  202 answers {gateway['accepted']}, commands stored {stored}, lost {lost}")


if __name__ == "__main__":
    main()
