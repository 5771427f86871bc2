"""A legacy system for the scale-out test: takes any event, says which gateway process sent it.

`SinkDestination` is the translator the gateway processes load; `Sink` is the server the test
runs, which notes any event that arrives while the same event is still being answered.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

from gateway.delivery.legacy import AnswerTable, LegacyAnswer, LegacyRequest, Verdict
from gateway.store.port import StoredEvent


class SinkDestination:
    transient_errors: tuple[type[Exception], ...] = ()

    def __init__(self, name: str, options: Mapping[str, str]) -> None:
        self.answers: AnswerTable = {"2xx": Verdict.DELIVERED, "default": Verdict.TRANSIENT}
        self.sender = str(os.getpid())

    def translate(self, event: StoredEvent) -> LegacyRequest:
        body = orjson.dumps({"position": event.position, "type": event.type})
        return LegacyRequest("POST", "/sink", body, headers=(("X-Sender", self.sender),))

    def judge(self, answer: LegacyAnswer, verdict: Verdict) -> Verdict:
        return verdict


class Sink:
    """Answers after `delay` seconds; counts deliveries per key and per sending process."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight: set[str] = set()
        self.twice_at_once: list[str] = []
        self.received: Counter[str] = Counter()
        self.senders: Counter[str] = Counter()

    def receive(self, key: str, sender: str) -> None:
        with self.lock:
            if key in self.in_flight:
                self.twice_at_once.append(key)
            self.in_flight.add(key)
        time.sleep(self.delay)
        with self.lock:
            self.in_flight.discard(key)
            self.received[key] += 1
            self.senders[sender] += 1


@contextmanager
def serve_sink(sink: Sink) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            sink.receive(self.headers.get("X-Idempotency-Key", ""), self.headers["X-Sender"])
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def quiet_landing(name: str, config: object) -> object:
    """A batch source's adapter for a landing folder that stays empty: only its scan is run."""
    return object()
