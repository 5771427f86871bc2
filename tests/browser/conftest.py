"""Browser tests: Playwright driving Debian's chromium, with every outside request refused.

The browser is `/usr/bin/chromium` (or $GATEWAY_TEST_CHROMIUM), never one Playwright downloads.
Locally a missing chromium skips these tests with how to get it; with CI=true they must run.
Each test saves a screenshot of every page it looks at under `var/screenshots/`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

CHROMIUM = Path(os.environ.get("GATEWAY_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
HOW_TO_GET_IT = (
    f"no chromium at {CHROMIUM}: install Debian's (`sudo apt-get install chromium`; "
    "`make test` does it when run as root) or set GATEWAY_TEST_CHROMIUM to a Chromium binary"
)


# Per module: Playwright's sync API keeps an event loop running while it lives, and tests
# elsewhere call asyncio.run (the delivery engine), which refuses to run inside one.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(HOW_TO_GET_IT, pytrace=False)
        pytest.skip(HOW_TO_GET_IT)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield browser
    browser.close()


def only_this_machine(route: Route) -> None:
    """Loopback requests go through; anything else (a CDN, a font server) is refused."""
    host = urlsplit(route.request.url).hostname or ""
    if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort("blockedbyclient")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(timezone_id="Asia/Kolkata", locale="en-GB")
    context.route("**/*", only_this_machine)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


class Screenshots:
    """Saves `var/screenshots/<test>-<n>-<name>.png`, in the order the test looked."""

    def __init__(self, test_name: str) -> None:
        self.prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", test_name).strip("-")
        self.count = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Page, name: str) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(request.node.name)
