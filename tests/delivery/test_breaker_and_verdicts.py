"""Pure logic, with an injected clock: the circuit breaker's states and each verdict's next
state of a delivery (delivered, retried when, dead, paused)."""

from __future__ import annotations

import pytest

from gateway.delivery.breaker import CircuitBreaker, CircuitState
from gateway.delivery.claims import Claimed
from gateway.delivery.legacy import Verdict
from gateway.delivery.retry import RetryPolicy
from gateway.delivery.settings import BreakerConfig, RetryConfig
from gateway.delivery.settle import Settlement
from gateway.delivery.verdicts import next_state


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, **config: float) -> tuple[CircuitBreaker, list[str]]:
    changes: list[str] = []
    settings = BreakerConfig(**{"window": 4, "min_calls": 4, "failure_ratio": 0.75,
                                "open_seconds": 30, "pause_seconds": 300, **config})  # fmt: skip
    found = CircuitBreaker(settings, clock=clock, on_change=lambda s, r: changes.append(s.value))
    return found, changes


def test_the_circuit_opens_on_failures_probes_once_and_closes_on_success() -> None:
    clock = Clock()
    circuit, changes = breaker(clock)
    for failed in (True, False, True, True):
        circuit.record(failed=failed)
    assert circuit.state is CircuitState.OPEN and not circuit.allows()
    clock.now += 30
    assert circuit.allows() and circuit.state is CircuitState.HALF_OPEN
    assert not circuit.allows()  # one probe at a time
    circuit.record(failed=False)
    assert circuit.state is CircuitState.CLOSED and changes == ["open", "half_open", "closed"]


def test_a_failed_probe_opens_again_for_a_whole_period() -> None:
    clock = Clock()
    circuit, _ = breaker(clock)
    for _ in range(4):
        circuit.record(failed=True)
    clock.now += 30
    assert circuit.allows()
    circuit.record(failed=True)
    assert circuit.state is CircuitState.OPEN and circuit.reopens_in() == 30


def test_a_released_probe_lets_the_next_one_through() -> None:
    """A probe that raised gives its slot back; otherwise the circuit stays half open for ever."""
    clock = Clock()
    circuit, _ = breaker(clock)
    for _ in range(4):
        circuit.record(failed=True)
    clock.now += 30
    assert circuit.allows()
    circuit.release_probe()
    assert circuit.allows()


def test_a_pause_holds_for_pause_seconds_whatever_the_counts() -> None:
    clock = Clock()
    circuit, changes = breaker(clock)
    circuit.pause("answered 401")
    assert circuit.state is CircuitState.PAUSED and circuit.reason == "answered 401"
    clock.now += 299
    assert not circuit.allows() and circuit.reopens_in() == pytest.approx(1)
    circuit.pause("answered 401")  # the same reason again: no new change recorded
    assert changes == ["paused"]
    clock.now += 300
    assert circuit.allows() and circuit.state is CircuitState.HALF_OPEN


def claimed(**fields: object) -> Claimed:
    values: dict[str, object] = {
        "id": 1, "position": 1, "stream_id": "account-1", "idempotency_key": "k", "attempts": 0,
        "counted_attempts": 0, "run_started_at": None, "event_at": 0.0, "due_at": 300.0,
        "breached_at": None, "retry_later_attempts": 0,
    }  # fmt: skip
    values.update(fields)
    return Claimed(**values)  # type: ignore[arg-type]


POLICY = RetryPolicy.from_config(
    RetryConfig(delays_seconds=[1, 5], stop_after_attempts=3, stop_after_retry_later=2)
)


def state(
    verdict: Verdict, row: Claimed | None = None, *, status: int | None = None,
    retry_after: float | None = None,
) -> Settlement:  # fmt: skip
    return next_state(row or claimed(), verdict, policy=POLICY, started_at=10.0,
                      finished_at=10.5, deadline_seconds=300.0, status=status,
                      error="answered", retry_after=retry_after)  # fmt: skip


def test_success_is_delivered_with_its_latency_from_the_sla_clock() -> None:
    done = state(Verdict.DUPLICATE)
    assert (done.settled, done.latency_seconds, done.attempts) == ("delivered", 10.5, 1)


def test_transient_is_retried_on_the_schedule_and_dead_after_the_stop_rule() -> None:
    first = state(Verdict.TRANSIENT)
    assert (first.settled, first.next_attempt_at, first.counted_attempts) == ("retry", 11.5, 1)
    last = state(Verdict.TRANSIENT, claimed(counted_attempts=2, attempts=2, run_started_at=0.0))
    assert last.settled == "dead"


def test_retry_after_wins_over_the_schedule() -> None:
    told = state(Verdict.RETRY_LATER, retry_after=7.0)
    assert (told.next_attempt_at, told.counted_attempts, told.retry_later_attempts) == (17.5, 0, 1)


def test_retry_later_in_a_row_stops_by_its_own_rule_and_says_why() -> None:
    held = state(Verdict.RETRY_LATER, claimed(retry_later_attempts=1), status=409)
    assert held.settled == "dead"
    assert held.last_error == "answered 2 times in a row: held back"


def test_permanent_is_dead_at_once_and_pause_counts_nothing() -> None:
    assert state(Verdict.PERMANENT).settled == "dead"
    paused = state(Verdict.PAUSE, claimed(counted_attempts=2, retry_later_attempts=1))
    assert paused.settled == "retry"
    assert (paused.counted_attempts, paused.retry_later_attempts) == (2, 1)
