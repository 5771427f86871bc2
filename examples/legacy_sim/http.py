"""A small HTTP/1.1 server on asyncio: keep-alive, Content-Length bodies, and the power to
drop a connection or hold an answer, which a real legacy system does and frameworks hide.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized",
           404: "Not Found", 409: "Conflict", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # hold the answer this long (a slow or hung legacy system)
    drop: bool = False  # close the connection without answering


Handler = Callable[[Request], Awaitable[Answer]]


class Connection(asyncio.Protocol):
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.task: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._next()

    def _next(self) -> None:
        request = self._parse()
        if request is not None:
            self.busy = True
            self.task = asyncio.ensure_future(self._answer(request))

    def _parse(self) -> Request | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        size = int(headers.get("content-length", "0"))
        if len(self.buffer) < end + 4 + size:
            return None
        body = bytes(self.buffer[end + 4 : end + 4 + size])
        del self.buffer[: end + 4 + size]
        method, path, _ = lines[0].split(" ", 2)
        return Request(method, path, headers, body)

    async def _answer(self, request: Request) -> None:
        answer = await self.handler(request)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if self.transport is None or self.transport.is_closing():
            return
        if answer.drop:
            self.transport.abort()
            return
        head = [
            f"HTTP/1.1 {answer.status} {REASONS.get(answer.status, 'Answer')}",
            f"Content-Length: {len(answer.body)}",
            "Content-Type: application/json",
        ]
        head += [f"{k}: {v}" for k, v in answer.headers.items()]
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode() + answer.body)
        self.busy = False
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(handler: Handler, host: str, port: int) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: Connection(handler), host, port, backlog=1024)
