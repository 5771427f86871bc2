"""The delivery client reads every way a legacy HTTP server may frame its answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from gateway.delivery.legacy import LegacyAnswer, LegacyRequest
from gateway.delivery.transport import LegacyOrigin
from gateway.errors import LegacyTimeout, LegacyUnavailable

POSTING = LegacyRequest("POST", "/postings", b'{"ref":"P1"}')


async def exchange(
    answers: Sequence[bytes], *, requests: int = 1, timeout: float = 2.0, hold: float = 0.0
) -> tuple[list[LegacyAnswer | Exception], int]:
    """Send `requests` postings to a server that writes `answers` in turn, raw, and then
    keeps the connection `hold` seconds; and count the connections the client opened.

    The server closes the connection after an HTTP/1.0 answer, as such a server would.
    """
    pending = list(answers)
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while pending:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                answer = pending.pop(0)
                writer.write(answer)
                await writer.drain()
                if answer.startswith(b"HTTP/1.0"):
                    break
            await asyncio.sleep(hold)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    origin = LegacyOrigin(f"http://127.0.0.1:{port}", timeout=timeout)
    results: list[LegacyAnswer | Exception] = []
    try:
        for _ in range(requests):
            try:
                results.append(await origin.send(origin.render(POSTING, ())))
            except (LegacyUnavailable, LegacyTimeout) as exc:
                results.append(exc)
    finally:
        origin.close()
        server.close()
        await server.wait_closed()
    return results, connections


def run(answers: Sequence[bytes], **options: float) -> tuple[list[LegacyAnswer | Exception], int]:
    return asyncio.run(exchange(answers, **options))  # type: ignore[arg-type]


def test_answers_with_a_length_share_one_kept_alive_connection() -> None:
    ok = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Ref: P1\r\n\r\nok"
    answers, connections = run([ok, ok, ok], requests=3)
    assert [(a.status, a.body, a.headers["x-ref"]) for a in answers] == [(201, b"ok", "P1")] * 3  # type: ignore[union-attr]
    assert connections == 1


def test_a_chunked_answer_is_joined() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;note=x\r\nhell\r\n1\r\no\r\n0\r\n\r\n"
    )
    (answer,), _ = run([chunked])
    assert isinstance(answer, LegacyAnswer) and answer.body == b"hello"


def test_no_content_without_a_length_is_complete_at_once() -> None:
    no_content = b"HTTP/1.1 204 No Content\r\n\r\n"
    answers, connections = run([no_content, no_content], requests=2, timeout=1)
    assert [a.status for a in answers] == [204, 204]  # type: ignore[union-attr]
    assert connections == 1


def test_an_interim_continue_is_skipped_for_the_real_answer() -> None:
    (answer,), _ = run(
        [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"]
    )
    assert isinstance(answer, LegacyAnswer) and answer.status == 202


def test_a_body_that_ends_with_the_connection_is_read_to_the_end() -> None:
    answers, connections = run(
        [b"HTTP/1.0 200 OK\r\n\r\nall of it", b"HTTP/1.0 200 OK\r\n\r\nagain"], requests=2
    )
    assert [a.body for a in answers] == [b"all of it", b"again"]  # type: ignore[union-attr]
    assert connections == 2  # not kept alive: the body's end was the connection's


@pytest.mark.parametrize(
    "garbage",
    [b"SMTP ready\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
)  # fmt: skip
def test_a_broken_answer_is_unavailable_not_a_hang(garbage: bytes) -> None:
    (answer,), _ = run([garbage], timeout=5)
    assert isinstance(answer, LegacyUnavailable)


def test_a_server_that_never_finishes_its_answer_times_out() -> None:
    short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"
    (answer,), _ = run([short], timeout=0.3, hold=1)
    assert isinstance(answer, LegacyTimeout)


def test_a_connection_dropped_mid_answer_is_unavailable() -> None:
    (answer,), _ = run([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"])
    assert isinstance(answer, LegacyUnavailable)
