"""A circuit breaker per destination: after repeated failures, pause sending, then probe.

Pausing never discards: deliveries stay pending in the database until the circuit closes.
A destination that refuses our credentials or whose certificate fails verification is
`paused`: open for `pause_seconds`, with the reason, whatever the failure counts say.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import StrEnum

from gateway.delivery.settings import BreakerConfig


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"
    PAUSED = "paused"


class CircuitBreaker:
    """Opens when too many of the last answers failed; one probe at a time when half open."""

    def __init__(
        self,
        config: BreakerConfig,
        *,
        clock: Callable[[], float],
        on_change: Callable[[CircuitState, str], None] = lambda state, reason: None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.on_change = on_change
        self.state = CircuitState.CLOSED
        self.opened_at = 0.0
        self.open_for = config.open_seconds
        self.recent: deque[bool] = deque(maxlen=config.window)
        self.probing = False
        self.reason = ""

    def allows(self) -> bool:
        """May a request start now? Half open lets exactly one probe through."""
        if self.state in (CircuitState.OPEN, CircuitState.PAUSED):
            if self.clock() - self.opened_at < self.open_for:
                return False
            self._move(CircuitState.HALF_OPEN, f"{self.state.value} period over: probing")
        if self.state is CircuitState.HALF_OPEN:
            if self.probing:
                return False
            self.probing = True
        return True

    def reopens_in(self) -> float:
        if self.state not in (CircuitState.OPEN, CircuitState.PAUSED):
            return 0.0
        return max(0.0, self.opened_at + self.open_for - self.clock())

    def record(self, *, failed: bool) -> None:
        if self.state is CircuitState.HALF_OPEN:
            self.probing = False
            if failed:
                self._open("the probe failed")
            else:
                self.recent.clear()
                self._move(CircuitState.CLOSED, "the probe succeeded")
            return
        self.recent.append(failed)
        failures = sum(self.recent)
        if len(self.recent) >= self.config.min_calls and (
            failures >= self.config.failure_ratio * len(self.recent)
        ):
            self._open(f"{failures} of the last {len(self.recent)} attempts failed")

    def pause(self, reason: str) -> None:
        """Stop sending for `pause_seconds`: the fault is ours, not the legacy system's."""
        self.probing = False
        self.opened_at = self.clock()
        self.open_for = self.config.pause_seconds
        self.recent.clear()
        if self.state is CircuitState.PAUSED and reason == self.reason:
            return
        self.state = CircuitState.PAUSED
        self.reason = reason
        self.on_change(CircuitState.PAUSED, reason)

    def release_probe(self) -> None:
        """A probe slot taken but not used (nothing was sent, or the attempt raised)."""
        self.probing = False

    def _open(self, reason: str) -> None:
        self.opened_at = self.clock()
        self.open_for = self.config.open_seconds
        self.recent.clear()
        self._move(CircuitState.OPEN, reason)

    def _move(self, state: CircuitState, reason: str) -> None:
        if state is not self.state:
            self.state = state
            self.reason = reason
            self.on_change(state, reason)
