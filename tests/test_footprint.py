"""What a gateway process loads: the clients of systems its config does not use stay out of its
memory (an import's peak RSS has a budget: psycopg, aiohttp, aio-pika and httpx are 28 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ("psycopg", "aiohttp", "aio_pika", "httpx")


def loaded_clients(config: dict[str, object], *, deliver: bool) -> list[str]:
    """Which of `CLIENTS` a fresh interpreter holds after building a gateway on `config`
    (and, with `deliver`, after its delivery engine built its workers)."""
    script = textwrap.dedent(
        f"""
        import asyncio, json, sys
        from gateway.bootstrap import build
        from gateway.config import parse_config
        gateway = build(parse_config({config!r}))
        if {deliver!r}:
            async def briefly():
                stopping = asyncio.Event()
                asyncio.get_running_loop().call_later(0.2, stopping.set)
                await gateway.delivery.run(stopping)
            asyncio.run(briefly())
        gateway.close()
        print(json.dumps([name for name in {CLIENTS!r} if name in sys.modules]))
        """
    )
    environ = {**os.environ, "FOOTPRINT_GL_URL": "http://127.0.0.1:9"}
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    found: list[str] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


def sqlite(tmp_path: Path) -> dict[str, object]:
    return {"database": {"url": f"sqlite:///{tmp_path / 'gateway.db'}"}}


def test_a_gateway_on_sqlite_without_destinations_broker_or_polls_loads_none_of_their_clients(
    tmp_path: Path,
) -> None:
    assert loaded_clients(sqlite(tmp_path), deliver=False) == []


def test_delivering_loads_the_http_client(tmp_path: Path) -> None:
    config = sqlite(tmp_path) | {
        "destinations": {
            "gl": {
                "adapter": "adapters.gl:LedgerDestination", "base_url_env": "FOOTPRINT_GL_URL",
                "events": ["FundsDeposited"],
            }
        }
    }  # fmt: skip
    assert loaded_clients(config, deliver=True) == ["aiohttp"]
