"""Real gateway processes (`python -m gateway run`) on one PostgreSQL schema, as users run them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.http_server import free_port

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "scale-out-key"


def write_config(folder: Path) -> Path:
    path = folder / "config.yaml"
    path.write_text(f"""\
log: {{format: json, level: WARNING}}
jobs: {{lease_seconds: 2, heartbeat_seconds: 0.5}}
sources:
  keyed:
    kind: webhook
    adapter: tests.webhooks.customers_json:CustomerJsonWebhooks
    auth: {{scheme: api_key, header: X-API-Key, key_env: SCALEOUT_API_KEY}}
  drop:
    kind: batch
    adapter: tests.scaleout.sink:quiet_landing
    landing: {folder / "landing"}
    schedule: {{every_seconds: 1}}
destinations:
  sink:
    adapter: tests.scaleout.sink:SinkDestination
    base_url_env: SINK_URL
    events: [CustomerRegistered, FundsDeposited]
    idempotency_header: X-Idempotency-Key
    timeout_seconds: 1
    lease_seconds: 3
    max_in_flight: 4
    retry: {{delays_seconds: [0.2], stop_after_attempts: 100}}
""")
    return path


@dataclass
class GatewayProcess:
    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def start(
    config: Path,
    database_url: str,
    sink_url: str,
    log: Path,
    *,
    extra: dict[str, str] | None = None,
) -> GatewayProcess:
    port = free_port()
    env = {**os.environ, "GATEWAY_DATABASE_URL": database_url, "SCALEOUT_API_KEY": API_KEY,
           "SINK_URL": sink_url, **(extra or {})}  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "run", "--config", str(config), "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return GatewayProcess(process, f"http://127.0.0.1:{port}")


def wait_until_up(gateway: GatewayProcess, log: Path, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gateway.process.poll() is not None:
            raise RuntimeError(f"gateway exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{gateway.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gateway did not start: {log.read_text()[-2000:]}")
