"""An app over a real store of each backend, served by uvicorn on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gateway.api import create_app
from gateway.bootstrap import Gateway, build
from gateway.config import parse_config
from tests.http_server import serve_in_thread


@pytest.fixture
def gateway(database_url: str) -> Iterator[Gateway]:
    gateway = build(parse_config({"database": {"url": database_url}}))
    yield gateway
    gateway.close()


@pytest.fixture
def client(gateway: Gateway) -> Iterator[httpx.Client]:
    with serve_in_thread(create_app(gateway)) as base_url, httpx.Client(base_url=base_url) as c:
        yield c
