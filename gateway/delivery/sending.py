"""One attempt: translate the event, send it, and judge the answer; never raises.

The attempt is timed by the injected clock, so recorded latencies and the SLA agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.delivery.claims import Claimed
from gateway.delivery.destination import Destination
from gateway.delivery.legacy import LegacyAnswer, Verdict, classify_status
from gateway.delivery.retry import parse_retry_after
from gateway.delivery.transport import LegacyOrigin
from gateway.errors import LegacyUnavailable


@dataclass(frozen=True, slots=True)
class Attempted:
    verdict: Verdict
    started_at: float
    finished_at: float
    status: int | None = None
    error: str | None = None
    answer: bytes = b""
    retry_after: float | None = None


async def attempt(
    destination: Destination, origin: LegacyOrigin, claimed: Claimed, clock: Callable[[], float]
) -> Attempted:
    started = clock()
    try:
        data = render(destination, origin, claimed)
    except Exception as exc:  # the adapter says which of its errors are worth retrying
        transient = isinstance(exc, destination.translator.transient_errors)
        verdict = Verdict.TRANSIENT if transient else Verdict.PERMANENT
        return Attempted(verdict, started, clock(), error=f"cannot translate: {exc}")
    try:
        answer = await origin.send(data)
    except LegacyUnavailable as exc:
        return Attempted(Verdict.TRANSIENT, started, clock(), error=str(exc))
    return judged(destination, answer, started, clock())


def render(destination: Destination, origin: LegacyOrigin, claimed: Claimed) -> bytes:
    assert claimed.event is not None
    request = destination.translator.translate(claimed.event)
    headers = destination.headers
    if destination.config.idempotency_header:
        headers = (*headers, (destination.config.idempotency_header, claimed.idempotency_key))
    return origin.render(request, headers)


def judged(destination: Destination, answer: LegacyAnswer, started: float, now: float) -> Attempted:
    verdict = destination.translator.judge(
        answer, classify_status(answer.status, destination.answers)
    )
    retry_after = parse_retry_after(answer.headers.get("retry-after"), now=now)
    error = None if verdict.succeeded else f"answered {answer.status}"
    return Attempted(verdict, started, now, answer.status, error, answer.body, retry_after)
