"""A GL for fault tests, in a thread: answers as the test says, and notes every request's
start and end, its posting and key, so tests can check order, overlaps and rates."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Seen:
    ref: str
    account: str
    key: str
    started: float
    ended: float
    status: int


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes = b"{}"
    headers: tuple[tuple[str, str], ...] = ()


Answerer = Callable[[dict[str, Any], str], Reply]


def created(posting: dict[str, Any], key: str) -> Reply:
    return Reply(201)


@dataclass
class GlStub:
    """`answer(posting, key)` decides each reply; `delay` holds every answer that long."""

    answer: Answerer = created
    delay: float = 0.0
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    most_in_flight: int = 0

    def handle(self, body: bytes, key: str) -> Reply:
        started = time.time()
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            posting = orjson.loads(body)
            reply = self.answer(posting, key)
            if self.delay:
                time.sleep(self.delay)
            return reply
        finally:
            with self.lock:
                self.in_flight -= 1
                ref, account = posting.get("posting_ref", ""), posting.get("customer_account", "")
                self.seen.append(Seen(ref, account, key, started, time.time(), reply.status))

    def refs(self, *, status: int | None = None) -> list[str]:
        with self.lock:
            return [s.ref for s in self.seen if status is None or s.status == status]


class Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default 5 drops connections the gateway opens at once
    daemon_threads = True


@contextmanager
def serve_gl(stub: GlStub, *, tls: ssl.SSLContext | None = None) -> Iterator[GlStub]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            reply = stub.handle(body, self.headers.get("X-Idempotency-Key", ""))
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, *args: object) -> None:
            pass

    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    stub.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
