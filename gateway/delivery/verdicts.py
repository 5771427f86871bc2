"""From one attempt's verdict to the delivery's next state: delivered, retried, or dead.

Pure arithmetic over the claimed row, the clock and the destination's policy: tested alone.
"""

from __future__ import annotations

from dataclasses import replace

from gateway.delivery.claims import Claimed
from gateway.delivery.legacy import Verdict
from gateway.delivery.retry import RetryPolicy
from gateway.delivery.settle import Settled, Settlement


def next_state(
    claimed: Claimed,
    verdict: Verdict,
    *,
    policy: RetryPolicy,
    started_at: float,
    finished_at: float,
    deadline_seconds: float,
    status: int | None = None,
    error: str | None = None,
    retry_after: float | None = None,
) -> Settlement:
    """Success is delivered; permanent is dead; the others are scheduled, each counted by
    its own rule (transient: attempts and time; retry-later: answers in a row; pause: not)."""
    attempts = claimed.attempts + 1
    counted = claimed.counted_attempts + (1 if verdict is Verdict.TRANSIENT else 0)
    waits = claimed.retry_later_attempts + 1 if verdict is Verdict.RETRY_LATER else 0
    run_started = claimed.run_started_at if claimed.run_started_at is not None else started_at
    succeeded = verdict.succeeded
    settled: Settled = "delivered" if succeeded else "retry"
    latency = max(0.0, finished_at - (claimed.due_at - deadline_seconds)) if succeeded else None
    base = Settlement(
        claimed.id, settled, attempts=attempts, counted_attempts=counted,
        run_started_at=run_started, at=finished_at, last_status=status, last_error=error,
        retry_later_attempts=waits, latency_seconds=latency,
    )  # fmt: skip
    if succeeded:  # built at once, without a copy: this runs for every delivery
        return base
    if verdict is Verdict.PAUSE:  # our own fault: the circuit holds the destination back
        return replace(base, retry_later_attempts=claimed.retry_later_attempts,
                       next_attempt_at=finished_at)  # fmt: skip
    if verdict is Verdict.RETRY_LATER:
        return _retry_later(base, policy, waits, retry_after, finished_at - run_started)
    elapsed = finished_at - run_started
    if verdict is Verdict.PERMANENT or policy.gives_up(attempts=counted, elapsed=elapsed):
        return replace(base, settled="dead")
    delay = policy.honour(retry_after, policy.delay(attempts=max(counted, 1), elapsed=elapsed))
    return replace(base, next_attempt_at=base.at + delay)


def _retry_later(
    base: Settlement, policy: RetryPolicy, waits: int, retry_after: float | None, elapsed: float
) -> Settlement:
    if policy.gives_up_waiting(retry_later=waits):
        why = f"{base.last_error or 'told to retry later'} {waits} times in a row: held back"
        return replace(base, settled="dead", last_error=why)
    delay = policy.honour(retry_after, policy.delay(attempts=waits, elapsed=elapsed))
    return replace(base, next_attempt_at=base.at + delay)
