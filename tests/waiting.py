"""Waiting in tests for what another process or thread does, polling a condition."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_until(condition: Callable[[], Any], timeout: float = 30, every: float = 0.05) -> bool:
    """True as soon as `condition()` is true; False when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> None:
    """`wait_until`, failing the test with `what` it waited for."""
    if not wait_until(condition, timeout):
        raise AssertionError(f"timed out waiting for {what}")
