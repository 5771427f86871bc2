"""Real relay processes (`python -m gateway broker run` or `gateway run`) for the broker proofs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from gateway.bootstrap import Gateway
from gateway.platform import SourceGrant, parse
from tests.broker.conftest import BrokerNames
from tests.http_server import free_port
from tests.platform.cases import deposit, opened

ROOT = Path(__file__).resolve().parents[2]
ANY = SourceGrant("test", ("*",))


def write_config(folder: Path, database_url: str, names: BrokerNames, **broker: Any) -> Path:
    path = folder / "config.yaml"
    config = {"database": {"url": database_url}, "log": {"format": "json", "level": "INFO"},
              "broker": names.section(**broker)}  # fmt: skip
    path.write_text(orjson.dumps(config).decode())
    return path


@dataclass
class RelayProcess:
    process: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    def serving(self) -> bool:
        """For a whole `gateway run`: HTTP answers, so its broker bridge has started."""
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

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

    def active(self) -> bool:
        return "broker relay" in self.log.read_text() and " active on " in self.log.read_text()


def start_relay(config: Path, log: Path, broker_url: str, *, full: bool = False) -> RelayProcess:
    """`gateway broker run` (or, with `full`, a whole `gateway run` on a free port)."""
    port = free_port() if full else None
    command = ["broker", "run"] if port is None else ["run", "--port", str(port)]
    env = {**os.environ, "TEST_BROKER_URL": broker_url, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        argv = [sys.executable, "-m", "gateway", *command, "-c", str(config)]
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return RelayProcess(process, log, port)


def published(gateway: Gateway, names: BrokerNames) -> int:
    rows = gateway.store.fetch("SELECT position FROM broker_positions WHERE name = ?",
                               (names.publish_exchange,))  # fmt: skip
    return int(rows[0][0]) if rows else 0


class PostingsWriter(threading.Thread):
    """Stores `accounts` openings, then `per_account - 1` deposits each, batch by batch."""

    def __init__(self, gateway: Gateway, *, accounts: int, per_account: int,
                 batch: int = 250, pause: float = 0.02) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.gateway, self.accounts, self.per_account = gateway, accounts, per_account
        self.batch, self.pause = batch, pause
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            numbers = [f"{n:012d}" for n in range(1, self.accounts + 1)]
            events = [opened(a) for a in numbers] + [
                deposit(f"R{r}-{a}", a) for r in range(self.per_account - 1) for a in numbers
            ]
            for start in range(0, len(events), self.batch):
                chunk = [parse(e) for e in events[start : start + self.batch]]
                self.gateway.platform.append(chunk, grant=ANY)
                time.sleep(self.pause)
        except BaseException as exc:  # reported by the test
            self.error = exc
