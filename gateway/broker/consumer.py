"""The platform's queue into the store, through the same path as `POST /events`.

A message is acknowledged only after its event is stored (or found stored: a re-delivery adds
nothing); a refused one goes to the dead letters with its reason and never blocks the queue.
A database that cannot store leaves the message unacknowledged: the broker offers it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import orjson

from gateway.broker.port import EventSubscriber, ReceivedMessage
from gateway.errors import BrokerUnavailable, InboundRefused, StoreError
from gateway.metrics import BROKER_CONSUMED
from gateway.platform import PlatformIngest, SourceGrant, parse

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What became of one message: stored (or known), or refused with `reason`."""

    reason: str | None = None
    duplicate: bool = False


class PlatformConsumer:
    """Reads the platform's events from the broker until stopped, reconnecting with back-off."""

    def __init__(
        self, subscriber: EventSubscriber, ingest: PlatformIngest, *, grant: SourceGrant,
        reconnect_initial: float = 0.5, reconnect_max: float = 30.0,
    ) -> None:  # fmt: skip
        self.subscriber = subscriber
        self.ingest = ingest
        self.grant = grant
        self.reconnect = (reconnect_initial, reconnect_max)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self.reconnect[0]
        while not stop.is_set():
            consuming = asyncio.ensure_future(self.subscriber.consume(self.handle))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({consuming, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not consuming.done():
                consuming.cancel()
                await asyncio.gather(consuming, return_exceptions=True)
                await self.subscriber.close()
                return
            backoff = await self._after(consuming, backoff, stop)

    async def _after(self, consuming: asyncio.Future[None], backoff: float,
                     stop: asyncio.Event) -> float:  # fmt: skip
        problem = consuming.exception()
        if isinstance(problem, BrokerUnavailable | StoreError):
            log.warning("platform queue: %s; again in %.1f s", problem, backoff)
        elif problem is not None:
            log.error("platform queue stopped unexpectedly", exc_info=problem)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), backoff)
        return min(backoff * 2, self.reconnect[1])

    async def handle(self, message: ReceivedMessage) -> None:
        verdict = await asyncio.to_thread(self.judge, message.body)
        if verdict.reason is not None:
            log.warning("platform event %s dead-lettered: %s", message.message_id, verdict.reason)
            await message.dead_letter(verdict.reason)
            BROKER_CONSUMED.labels("dead_lettered").inc()
            return
        await message.ack()
        BROKER_CONSUMED.labels("duplicate" if verdict.duplicate else "stored").inc()

    def judge(self, body: bytes) -> Verdict:
        """Store the message's event; `StoreError` (nothing stored) propagates unacknowledged."""
        try:
            event = parse(orjson.loads(body))
            (appended,) = self.ingest.append([event], grant=self.grant)
        except orjson.JSONDecodeError as exc:
            return Verdict(f"400 the body is not JSON: {exc}")
        except InboundRefused as exc:
            return Verdict(f"{exc.status} {exc.detail}")
        return Verdict(duplicate=appended.duplicate)
