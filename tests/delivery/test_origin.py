"""The delivery client (aiohttp): framing, timeouts, keep-alive expiry, the 1 MiB cap, header
injection, proxies, and TLS against a private CA, mutual TLS included."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import trustme

from gateway.delivery.connection import OriginSettings, proxy_from_environment, tls_context
from gateway.delivery.headers import attempt_headers
from gateway.delivery.legacy import LegacyAnswer, LegacyRequest
from gateway.delivery.origin import MAX_ANSWER, LegacyOrigin
from gateway.delivery.settings import TlsConfig
from gateway.errors import (
    ConfigError,
    HeaderRefused,
    LegacyCertificateRejected,
    LegacyTimeout,
    LegacyUnavailable,
)
from tests.delivery.raw_server import CREATED, raw_server

POSTING = LegacyRequest("POST", "/postings", b'{"ref":"P1"}')
HEADERS = (("Content-Type", "application/json"),)


def settings(url: str, **overrides: Any) -> OriginSettings:
    values: dict[str, Any] = {
        "base_url": url, "timeout_seconds": 2.0, "connect_timeout_seconds": 1.0,
        "keepalive_seconds": 15.0, "max_connections": 8, "ssl": True,
    }  # fmt: skip
    values.update(overrides)
    return OriginSettings(**values)


async def exchange(
    answers: Sequence[bytes], *, requests: int = 1, hold: float = 0.0, pause: float = 0.0,
    **overrides: Any,
) -> tuple[list[LegacyAnswer | Exception], int]:  # fmt: skip
    """`requests` postings to a server writing `answers`; the results and connections opened."""
    results: list[LegacyAnswer | Exception] = []
    async with raw_server(answers, hold=hold) as server:
        origin = LegacyOrigin(settings(server.url, **overrides))
        try:
            for _ in range(requests):
                try:
                    results.append(await origin.send(POSTING, HEADERS))
                except LegacyUnavailable as exc:
                    results.append(exc)
                await asyncio.sleep(pause)
        finally:
            await origin.close()
        return results, server.connections


def run(answers: Sequence[bytes], **options: Any) -> tuple[list[LegacyAnswer | Exception], int]:
    return asyncio.run(exchange(answers, **options))


def answered(results: Sequence[LegacyAnswer | Exception]) -> list[LegacyAnswer]:
    assert all(isinstance(r, LegacyAnswer) for r in results), results
    return [r for r in results if isinstance(r, LegacyAnswer)]


def test_answers_with_a_length_share_one_kept_alive_connection() -> None:
    ok = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Ref: P1\r\n\r\nok"
    results, connections = run([ok], requests=3)
    assert [(a.status, a.body, a.headers["x-ref"]) for a in answered(results)] == [
        (201, b"ok", "P1")
    ] * 3
    assert connections == 1


def test_an_idle_connection_is_closed_after_keepalive_seconds() -> None:
    results, connections = run([CREATED], requests=2, pause=0.6, keepalive_seconds=0.2)
    assert [a.status for a in answered(results)] == [201, 201]
    assert connections == 2  # the first was closed while idle, not found dead at the next send


def test_a_chunked_answer_is_joined() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;note=x\r\nhell\r\n1\r\no\r\n0\r\n\r\n"
    )
    results, _ = run([chunked])
    assert answered(results)[0].body == b"hello"


def test_no_content_without_a_length_is_complete_at_once() -> None:
    results, connections = run([b"HTTP/1.1 204 No Content\r\n\r\n"], requests=2, timeout_seconds=1)
    assert [a.status for a in answered(results)] == [204, 204]
    assert connections == 1


def test_an_interim_continue_is_skipped_for_the_real_answer() -> None:
    results, _ = run(
        [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"]
    )
    assert answered(results)[0].status == 202


def test_a_body_that_ends_with_the_connection_is_read_to_the_end() -> None:
    results, connections = run([b"HTTP/1.0 200 OK\r\n\r\nall of it"], requests=2)
    assert [a.body for a in answered(results)] == [b"all of it", b"all of it"]
    assert connections == 2


def test_an_answer_over_one_mebibyte_is_cut_and_marked() -> None:
    size = MAX_ANSWER + 5000
    big = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + b"x" * size
    small = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    (cut, whole), _ = run([big, small], requests=2)
    assert isinstance(cut, LegacyAnswer) and isinstance(whole, LegacyAnswer)
    assert (len(cut.body), cut.truncated) == (MAX_ANSWER, True)
    assert (whole.body, whole.truncated) == (b"ok", False)  # the next answer is not confused


@pytest.mark.parametrize(
    "garbage",
    [b"SMTP ready\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
)  # fmt: skip
def test_a_broken_answer_is_unavailable_not_a_hang(garbage: bytes) -> None:
    (result,), _ = run([garbage], timeout_seconds=5)
    assert isinstance(result, LegacyUnavailable)


def test_a_server_that_never_finishes_its_answer_times_out() -> None:
    short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"
    (result,), _ = run([short], timeout_seconds=0.3, hold=1)
    assert isinstance(result, LegacyTimeout)


def test_a_connection_dropped_mid_answer_is_unavailable() -> None:
    (result,), _ = run([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"])
    assert isinstance(result, LegacyUnavailable)


def test_nobody_listening_is_unavailable() -> None:
    async def send() -> Exception:
        origin = LegacyOrigin(settings("http://127.0.0.1:9"))
        try:
            await origin.send(POSTING, HEADERS)
        except LegacyUnavailable as exc:
            return exc
        finally:
            await origin.close()
        raise AssertionError("sent")

    assert "cannot connect" in str(asyncio.run(send()))


def test_a_connect_that_hangs_gives_up_after_connect_timeout_seconds() -> None:
    """A listener whose accept queue is full drops further SYNs, as a firewall that drops
    packets would: the connect hangs, and gives up at its own timeout, not the request's."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    queued = [socket.socket() for _ in range(4)]
    for waiting in queued:
        waiting.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            waiting.connect(("127.0.0.1", port))

    async def send() -> tuple[Exception, float]:
        origin = LegacyOrigin(settings(f"http://127.0.0.1:{port}", timeout_seconds=10.0,
                                       connect_timeout_seconds=0.3))  # fmt: skip
        begun = time.monotonic()
        try:
            await origin.send(POSTING, HEADERS)
        except LegacyUnavailable as exc:
            return exc, time.monotonic() - begun
        finally:
            await origin.close()
        raise AssertionError("sent")

    try:
        error, took = asyncio.run(send())
    finally:
        for s in (*queued, listener):
            s.close()
    assert not isinstance(error, LegacyTimeout)  # never sent: nothing may have reached GL
    assert str(error) == f"cannot connect to 127.0.0.1:{port} within 0.3 s"
    assert took < 5.0


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "nul\x00"])
def test_a_header_value_with_cr_or_lf_is_refused_before_sending(value: str) -> None:
    with pytest.raises(HeaderRefused):
        attempt_headers(
            content_type="application/json", auth=(), idempotency_header="X-Idempotency-Key",
            idempotency_key="k", adapter_headers=(("X-Narrative", value),),
        )  # fmt: skip


async def head_seen_by_proxy(*, from_env: bool) -> bytes:
    async with raw_server() as proxy:
        environ = {"HTTP_PROXY": proxy.url, "NO_PROXY": "localhost,.internal"}
        found = proxy_from_environment("http://gl.bank.example", environ)
        origin = LegacyOrigin(settings("http://gl.bank.example", proxy_url=found if from_env
                                       else proxy.url))  # fmt: skip
        try:
            await origin.send(POSTING, HEADERS)
        finally:
            await origin.close()
        return proxy.heads[0]


@pytest.mark.parametrize("from_env", [True, False], ids=["HTTP_PROXY", "proxy_url"])
def test_a_proxy_carries_the_request(from_env: bool) -> None:
    head = asyncio.run(head_seen_by_proxy(from_env=from_env))
    assert head.startswith(b"POST http://gl.bank.example/postings HTTP/1.1")


def test_no_proxy_and_the_scheme_choose_whether_a_proxy_is_used() -> None:
    environ = {"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "gl.bank.internal"}
    assert proxy_from_environment("https://gl.bank.example", environ) == "http://proxy:3128"
    assert proxy_from_environment("https://gl.bank.internal", environ) is None
    assert proxy_from_environment("http://gl.bank.example", environ) is None


# --- TLS: a private CA, a server certificate, and a client certificate for mutual TLS ---


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA(organization_name="Bank test CA")
    server = ca.issue_cert("127.0.0.1")
    client = ca.issue_cert("gateway.bank.example")
    paths = {name: folder / f"{name}.pem" for name in ("ca", "server", "client_cert", "client_key")}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.private_key_and_cert_chain_pem.write_to_path(str(paths["server"]))
    client.cert_chain_pems[0].write_to_path(str(paths["client_cert"]))
    client.private_key_pem.write_to_path(str(paths["client_key"]))
    return paths


def mutual_tls_server(pki: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki["ca"]))
    context.load_cert_chain(str(pki["server"]))
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no conversation
    return context


@contextlib.asynccontextmanager
async def tunnelling_proxy() -> AsyncIterator[tuple[str, list[bytes]]]:
    """An HTTPS proxy as a bank runs one: `CONNECT host:port`, then bytes both ways, unread
    (TLS goes end to end). Yields its URL and the request lines it was sent."""
    asked: list[bytes] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while block := await reader.read(65536):
                writer.write(block)
                await writer.drain()
        writer.close()

    async def tunnel(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        asked.append(head.split(b"\r\n")[0])
        host, port = head.split()[1].decode().rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(tunnel, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", asked
    finally:
        server.close()


def over_mutual_tls(
    pki: dict[str, Path], tls: TlsConfig, *, via_proxy: list[bytes] | None = None
) -> LegacyAnswer | Exception:
    """One posting to a server that wants our client certificate; through an HTTPS proxy
    named by `HTTPS_PROXY` when `via_proxy` is given (it gets the proxy's request lines)."""

    async def send() -> LegacyAnswer | Exception:
        async with (
            raw_server(tls=mutual_tls_server(pki)) as server,
            tunnelling_proxy() as (proxy_url, asked),
        ):
            proxy = None
            if via_proxy is not None:
                proxy = proxy_from_environment(server.url, {"HTTPS_PROXY": proxy_url})
                assert proxy == proxy_url
            origin = LegacyOrigin(
                settings(server.url, ssl=tls_context(tls, key="tls"), proxy_url=proxy)
            )
            try:
                return await origin.send(POSTING, HEADERS)
            except LegacyUnavailable as exc:
                return exc
            except LegacyCertificateRejected as exc:
                return exc
            finally:
                await origin.close()
                if via_proxy is not None:
                    via_proxy.extend(asked)

    return asyncio.run(send())


def test_mutual_tls_with_the_banks_ca_and_our_client_certificate(pki: dict[str, Path]) -> None:
    tls = TlsConfig(ca_file=str(pki["ca"]), client_cert_file=str(pki["client_cert"]),
                    client_key_file=str(pki["client_key"]))  # fmt: skip
    answer = over_mutual_tls(pki, tls)
    assert isinstance(answer, LegacyAnswer) and answer.status == 201


def test_https_proxy_tunnels_mutual_tls_to_gl(pki: dict[str, Path]) -> None:
    tls = TlsConfig(ca_file=str(pki["ca"]), client_cert_file=str(pki["client_cert"]),
                    client_key_file=str(pki["client_key"]))  # fmt: skip
    asked: list[bytes] = []
    answer = over_mutual_tls(pki, tls, via_proxy=asked)
    assert isinstance(answer, LegacyAnswer) and answer.status == 201
    (line,) = asked
    assert line.startswith(b"CONNECT 127.0.0.1:") and line.endswith(b" HTTP/1.1")


def test_without_our_client_certificate_the_server_refuses(pki: dict[str, Path]) -> None:
    answer = over_mutual_tls(pki, TlsConfig(ca_file=str(pki["ca"])))
    assert isinstance(answer, LegacyUnavailable)


def test_a_certificate_from_an_unknown_ca_is_a_certificate_error_not_unavailable(
    pki: dict[str, Path],
) -> None:
    tls = TlsConfig(client_cert_file=str(pki["client_cert"]),
                    client_key_file=str(pki["client_key"]))  # fmt: skip
    answer = over_mutual_tls(pki, tls)  # the system store does not know the bank's CA
    assert isinstance(answer, LegacyCertificateRejected)
    assert "failed verification" in str(answer)


def test_verify_false_trusts_any_certificate_and_still_shows_ours(pki: dict[str, Path]) -> None:
    tls = TlsConfig(verify=False, client_cert_file=str(pki["client_cert"]),
                    client_key_file=str(pki["client_key"]))  # fmt: skip
    answer = over_mutual_tls(pki, tls)
    assert isinstance(answer, LegacyAnswer) and answer.status == 201


def test_a_ca_file_that_cannot_be_read_fails_the_start_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"destinations.gl.tls.ca_file: cannot load"):
        tls_context(TlsConfig(ca_file=str(tmp_path / "none.pem")), key="destinations.gl.tls")
    broken = tmp_path / "cert.pem"
    broken.write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"destinations.gl.tls.client_cert_file"):
        tls_context(TlsConfig(client_cert_file=str(broken)), key="destinations.gl.tls")
