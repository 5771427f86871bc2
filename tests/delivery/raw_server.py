"""A legacy HTTP server that writes answers byte by byte as the test gives them, over plain
TCP or TLS (optionally requiring a client certificate), and notes what it was sent."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

CREATED = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"


@dataclass
class RawServer:
    """Answers in turn (the last one repeats); counts connections; keeps request heads."""

    answers: Sequence[bytes]
    hold: float = 0.0
    connections: int = 0
    closed: int = 0
    heads: list[bytes] = field(default_factory=list)
    url: str = ""

    def next_answer(self) -> bytes:
        index = min(len(self.heads) - 1, len(self.answers) - 1)
        return self.answers[index]

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.heads.append(head)
                length = 0
                for line in head.lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                answer = self.next_answer()
                writer.write(answer)
                await writer.drain()
                if answer.startswith(b"HTTP/1.0") or not answer:
                    break
            await asyncio.sleep(self.hold)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self.closed += 1
            writer.close()


@asynccontextmanager
async def raw_server(
    answers: Sequence[bytes] = (CREATED,), *, hold: float = 0.0, tls: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    state = RawServer(answers, hold)
    server = await asyncio.start_server(state.serve, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    state.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()
