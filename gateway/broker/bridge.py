"""The broker bridge of one gateway process: the relay and the consumer on their own loop.

Runs in a thread beside uvicorn and the scheduler; `stop` ends both and closes the broker.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from gateway.broker.consumer import PlatformConsumer
from gateway.broker.relay import BrokerRelay

log = logging.getLogger(__name__)


class BrokerBridge:
    def __init__(self, relay: BrokerRelay, consumer: PlatformConsumer | None) -> None:
        self.relay = relay
        self.consumer = consumer
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="broker-bridge", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _serve(self) -> None:
        asyncio.run(self.run())

    async def run(self) -> None:
        """Relay and consume until `stop` (callable from any thread)."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        work = [self.relay.run(self._stop)]
        if self.consumer is not None:
            work.append(self.consumer.run(self._stop))
        await asyncio.gather(*work)

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
