"""A TCP proxy in front of the local RabbitMQ whose connections a test can cut.

`cut()` drops every connection passing through it at once, as a network fault would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.http_server import free_port


class CuttableProxy:
    def __init__(self, *, target_port: int = 5672) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.cuts = 0
        self.refusing = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                             return_exceptions=True)  # fmt: skip

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            writer.close()

    def cut(self) -> None:
        """Drop every open connection (new ones are still accepted)."""

        async def drop() -> None:
            for writer in list(self._writers):
                writer.transport.abort()
            self._writers.clear()

        asyncio.run_coroutine_threadsafe(drop(), self._loop).result(10)
        self.cuts += 1

    def down(self) -> None:
        """The broker is unreachable: every connection dropped, new ones closed at once."""
        self.refusing = True
        self.cut()

    def up(self) -> None:
        self.refusing = False

    def stop(self) -> None:
        self.cut()
        if self._server is not None:
            server = self._server

            async def close() -> None:
                server.close()
                await server.wait_closed()

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


@contextmanager
def cuttable_proxy() -> Iterator[CuttableProxy]:
    proxy = CuttableProxy()
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
