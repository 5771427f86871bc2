"""The real local RabbitMQ, in a virtual host of this test run's own (others share the broker).

Each test gets its own exchange and queue names too; config defaults stay the spec's names.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

VHOST = f"gw_test_{os.getpid()}"
BROKER_PORT = int(os.environ.get("GATEWAY_TEST_BROKER_PORT", "5672"))


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


def _broker_problem() -> str | None:
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl is not on PATH"
    try:
        socket.create_connection(("127.0.0.1", BROKER_PORT), timeout=3).close()
    except OSError as exc:
        return f"RabbitMQ on 127.0.0.1:{BROKER_PORT} is not reachable: {exc}"
    return None


@pytest.fixture(scope="session")
def vhost() -> Iterator[str]:
    problem = _broker_problem()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    _rabbitmqctl("add_vhost", VHOST)
    _rabbitmqctl("set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*")
    yield VHOST
    _rabbitmqctl("delete_vhost", VHOST)


def amqp_url(vhost: str, port: int = BROKER_PORT) -> str:
    return f"amqp://guest:guest@127.0.0.1:{port}/{vhost}"


@dataclass(frozen=True)
class BrokerNames:
    """This test's exchanges and queues, and the `broker` config section that uses them."""

    url: str
    publish_exchange: str
    consume_exchange: str
    queue: str
    dead_letter_exchange: str
    dead_letter_queue: str

    def section(self, **overrides: Any) -> dict[str, Any]:
        return {"url_env": "TEST_BROKER_URL", "publish_exchange": self.publish_exchange,
                "consume_exchange": self.consume_exchange, "queue": self.queue,
                "dead_letter_exchange": self.dead_letter_exchange,
                "dead_letter_queue": self.dead_letter_queue, "lease_seconds": 3,
                "reconnect_initial_seconds": 0.1, "reconnect_max_seconds": 1,
                **overrides}  # fmt: skip


@pytest.fixture
def names(vhost: str) -> BrokerNames:
    tag = uuid.uuid4().hex[:8]
    return BrokerNames(amqp_url(vhost), f"bank.events.{tag}", f"platform.events.{tag}",
                       f"gateway.platform-events.{tag}", f"platform.events.dlx.{tag}",
                       f"gateway.platform-events.dead.{tag}")  # fmt: skip
