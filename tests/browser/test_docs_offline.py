"""`/docs` works on a bank network: Swagger UI loads from the gateway, nothing from outside."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request

from gateway.api import create_app
from gateway.bootstrap import build
from gateway.config import parse_config
from tests.browser.conftest import Screenshots
from tests.http_server import serve_in_thread


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    gateway = build(parse_config({"database": {"url": f"sqlite:///{tmp_path}/gateway.db"}}))
    with serve_in_thread(create_app(gateway)) as url:
        yield url
    gateway.close()


def test_the_api_docs_list_the_operations_with_outside_traffic_blocked(
    page: Page, base_url: str, screenshots: Screenshots
) -> None:
    refused: list[str] = []
    page.on("requestfailed", lambda request: refused.append(request.url))
    asked: list[Request] = []
    page.on("request", lambda request: asked.append(request))

    page.goto(f"{base_url}/docs")
    page.locator(".opblock-summary-path", has_text="/webhooks/{source}").first.wait_for()
    screenshots.take(page, "swagger-ui")

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/events" in [p.strip() for p in paths] and len(paths) > 20
    assert refused == []
    assert all(r.url.startswith(base_url) for r in asked), [r.url for r in asked]
