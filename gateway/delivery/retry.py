"""When a failed delivery is tried again, and when it is given up: tenacity's strategies.

Only the arithmetic comes from tenacity; the wait itself is a time stored in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

import tenacity
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from gateway.delivery.settings import RetryConfig


def build_wait(config: RetryConfig) -> wait_base:
    """An explicit schedule (its last delay repeats), or exponential growth plus jitter."""
    if config.delays_seconds:
        return tenacity.wait_chain(*(tenacity.wait_fixed(d) for d in config.delays_seconds))
    exponential = tenacity.wait_exponential(
        multiplier=config.initial_seconds, exp_base=config.multiplier, max=config.max_seconds
    )
    if config.jitter_seconds:
        return exponential + tenacity.wait_random(0, config.jitter_seconds)
    return exponential


def build_stop(config: RetryConfig) -> stop_base:
    rules: list[stop_base] = []
    if config.stop_after_attempts is not None:
        rules.append(tenacity.stop_after_attempt(config.stop_after_attempts))
    if config.stop_after_seconds is not None:
        rules.append(tenacity.stop_after_delay(config.stop_after_seconds))
    return tenacity.stop_any(*rules)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Decides from the counted attempts and the time since the first one."""

    wait: wait_base
    stop: stop_base
    max_retry_after: float
    retry_later_limit: int = 50

    @classmethod
    def from_config(cls, config: RetryConfig) -> RetryPolicy:
        return cls(
            build_wait(config), build_stop(config), config.max_retry_after_seconds,
            config.stop_after_retry_later,
        )  # fmt: skip

    def gives_up_waiting(self, *, retry_later: int) -> bool:
        """Told to come back later this many times in a row: the stream is held back."""
        return retry_later >= self.retry_later_limit

    def gives_up(self, *, attempts: int, elapsed: float) -> bool:
        return bool(self.stop(_state(attempts, elapsed, floor=0)))

    def delay(self, *, attempts: int, elapsed: float) -> float:
        return float(self.wait(_state(attempts, elapsed, floor=1)))

    def honour(self, retry_after: float | None, fallback: float) -> float:
        """The legacy system's own `Retry-After` wins over the schedule, within a ceiling."""
        if retry_after is None:
            return fallback
        return min(max(retry_after, 0.0), self.max_retry_after)


_RETRYING = tenacity.Retrying()


def _state(attempts: int, elapsed: float, *, floor: int) -> tenacity.RetryCallState:
    state = tenacity.RetryCallState(_RETRYING, None, (), {})
    state.attempt_number = max(attempts, floor)
    state.start_time = 0.0
    state.outcome_timestamp = elapsed
    return state


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """`Retry-After` as seconds from now: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - now)
