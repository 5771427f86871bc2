"""The simulated GL and CRM in a process of their own, driven over HTTP by the tests."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.http_server import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "sim-token"


class LegacySim:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = httpx.Client(base_url=base_url, timeout=10)

    def chaos(self, **settings: Any) -> None:
        self.client.post("/_sim/chaos", json=settings).raise_for_status()

    def outage(self, seconds: float) -> None:
        self.client.post("/_sim/outage", json={"seconds": seconds}).raise_for_status()

    def postings(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self.client.post("/_sim/postings").json()
        return answer

    def accounts(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self.client.post("/_sim/accounts").json()
        return answer

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.post("/_sim/stats").json()
        return answer


@contextmanager
def legacy_sim() -> Iterator[LegacySim]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "examples.legacy_sim", "--port", str(port), "--token", TOKEN],
        cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    sim = LegacySim(f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(sim, process)
        yield sim
    finally:
        sim.client.close()
        process.terminate()
        process.wait(10)


def _wait_until_up(sim: LegacySim, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the legacy simulator exited")
        try:
            sim.stats()
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the legacy simulator did not start")
