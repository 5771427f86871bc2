"""One page from a legacy REST API over httpx, its failures mapped to the gateway's errors.

Timeouts, 5xx and 429 are transient (retried); 401 halts the source; other 4xx are not retried.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from gateway.errors import PollRefused, PollUnauthorized, TransientPollError
from gateway.polling.port import PageRequest

LONGEST_RETRY_AFTER = 300.0


def fetch_json(client: httpx.Client, request: PageRequest) -> Any:
    """The JSON body of a 200 answer, or the error the answer stands for."""
    try:
        response = client.get(request.path, params=dict(request.params))
    except httpx.TimeoutException as exc:
        raise TransientPollError(f"timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise TransientPollError(f"cannot reach the API: {exc}") from exc
    status = response.status_code
    if status == 401:
        raise PollUnauthorized("the API refused the token (401)")
    if status == 429 or status >= 500:
        raise TransientPollError(
            f"the API answered {status}", retry_after=retry_after(response.headers)
        )
    if status != 200:
        raise PollRefused(f"the API answered {status}: {response.text[:200]}")
    try:
        return response.json()
    except ValueError as exc:
        raise PollRefused(f"the API's answer is not JSON: {exc}") from exc


def retry_after(headers: httpx.Headers) -> float | None:
    """`Retry-After` in seconds (delta or HTTP date), capped; None when absent or unreadable."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), LONGEST_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
        date = headers.get("date")
        now = parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None
    if now is None:
        return None
    return max(0.0, min((moment - now).total_seconds(), LONGEST_RETRY_AFTER))


def retrying(*, attempts: int, sleep: Callable[[float], None]) -> Retrying:
    """Transient errors only, `Retry-After` honoured, else exponential backoff with jitter."""
    backoff = wait_exponential_jitter(initial=1, max=30)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientPollError) and error.retry_after is not None:
            return error.retry_after
        return float(backoff(state))

    return Retrying(
        retry=retry_if_exception_type(TransientPollError),
        stop=stop_after_attempt(attempts),
        wait=wait,
        sleep=sleep,
        reraise=True,
    )
