"""One attempt: translate the event, send it, and judge the answer; never raises.

The attempt is timed by the injected clock, so recorded latencies and the SLA agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from opentelemetry.trace import SpanKind

from gateway.delivery.claims import Claimed, event_of
from gateway.delivery.destination import Destination
from gateway.delivery.headers import Headers, attempt_headers
from gateway.delivery.legacy import LegacyAnswer, LegacyRequest, Verdict, classify_status
from gateway.delivery.origin import LegacyOrigin
from gateway.delivery.retry import parse_retry_after
from gateway.errors import HeaderRefused, LegacyCertificateRejected, LegacyUnavailable
from gateway.tracing import span
from gateway.tracing.spans import child_traceparent, recording


@dataclass(frozen=True, slots=True)
class Attempted:
    verdict: Verdict
    started_at: float
    finished_at: float
    status: int | None = None
    error: str | None = None
    answer: bytes = b""
    retry_after: float | None = None
    truncated: bool = False


async def attempt(
    destination: Destination, origin: LegacyOrigin, claimed: Claimed, clock: Callable[[], float]
) -> Attempted:
    """One attempt as a span of the event's own trace (its `traceparent`), sent on with it."""
    stored = event_of(claimed).metadata.get("traceparent")
    if not recording():  # nothing to export to: the span is only the ids it hands on
        return await _attempt(destination, origin, claimed, clock, child_traceparent(stored))
    attributes = {"delivery.id": claimed.id, "delivery.attempt": claimed.attempts + 1}
    with span(f"deliver {destination.name}", parent=stored, kind=SpanKind.CLIENT,
              attributes=attributes) as traceparent:  # fmt: skip
        return await _attempt(destination, origin, claimed, clock, traceparent)


async def _attempt(
    destination: Destination, origin: LegacyOrigin, claimed: Claimed,
    clock: Callable[[], float], traceparent: str | None,
) -> Attempted:  # fmt: skip
    started = clock()
    prepared = claimed.prepared or prepare(destination, claimed)
    if isinstance(prepared, Unrendered):
        return Attempted(prepared.verdict, started, clock(), error=prepared.error)
    request, headers = prepared
    if traceparent:
        headers = (*headers, ("traceparent", traceparent))
    try:
        answer = await origin.send(request, headers)
    except LegacyCertificateRejected as exc:  # our configuration, not the legacy system
        return Attempted(Verdict.PAUSE, started, clock(), error=str(exc))
    except LegacyUnavailable as exc:
        return Attempted(Verdict.TRANSIENT, started, clock(), error=str(exc))
    return judged(destination, answer, started, clock())


@dataclass(frozen=True, slots=True)
class Unrendered:
    """The adapter could not render the event (or a header was refused): judged as sent."""

    verdict: Verdict
    error: str


Prepared = tuple[LegacyRequest, Headers]


def prepare(destination: Destination, claimed: Claimed) -> Prepared | Unrendered:
    """The request and its headers but the traceparent, or why there is none; never raises.

    Called when the delivery is claimed, on the database's thread, so the event loop only
    sends: an event renders the same way on every attempt.
    """
    try:
        return render(destination, claimed)
    except HeaderRefused as exc:
        return Unrendered(Verdict.PERMANENT, str(exc))
    except Exception as exc:  # the adapter says which of its errors are worth retrying
        transient = isinstance(exc, destination.translator.transient_errors)
        verdict = Verdict.TRANSIENT if transient else Verdict.PERMANENT
        return Unrendered(verdict, f"cannot translate: {exc}")


def render(
    destination: Destination, claimed: Claimed, traceparent: str | None = None
) -> tuple[LegacyRequest, Headers]:
    """The adapter's request and every header it is sent with (built in `headers.py`)."""
    request = destination.translator.translate(event_of(claimed))
    headers = attempt_headers(
        content_type=request.content_type, auth=destination.headers,
        idempotency_header=destination.config.idempotency_header,
        idempotency_key=claimed.idempotency_key, adapter_headers=request.headers,
        traceparent=traceparent,
    )  # fmt: skip
    return request, headers


def judged(destination: Destination, answer: LegacyAnswer, started: float, now: float) -> Attempted:
    verdict = destination.translator.judge(
        answer, classify_status(answer.status, destination.answers)
    )
    retry_after = parse_retry_after(answer.headers.get("retry-after"), now=now)
    error = None if verdict.succeeded else f"answered {answer.status}"
    if answer.truncated:
        error = f"{error or 'answer'} (cut at 1 MiB)"
    return Attempted(
        verdict, started, now, answer.status, error, answer.body, retry_after, answer.truncated
    )
