"""The HTTP client of one destination: an aiohttp session with that legacy system's TLS,
proxy, timeouts and keep-alive; aiohttp's errors become the gateway's own, here, once.

One `ClientSession` per destination: its connection pool, CA bundle and client certificate
belong to that legacy system alone. Answers are read up to `MAX_ANSWER` bytes; a longer one
is cut there and marked `truncated` (a legacy system has nothing to say in a megabyte).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

from gateway.delivery.connection import OriginSettings
from gateway.delivery.headers import Headers
from gateway.delivery.legacy import LegacyAnswer, LegacyRequest
from gateway.errors import (
    LegacyCertificateRejected,
    LegacyTimeout,
    LegacyUnavailable,
)

MAX_ANSWER = 1024 * 1024
READ_CHUNK = 64 * 1024


class LegacyOrigin:
    """Sends requests to one legacy system; callers bound their own concurrency."""

    def __init__(self, settings: OriginSettings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """Made on first use, on the running loop (aiohttp binds a session to its loop)."""
        if self._session is None:
            s = self.settings
            connector = aiohttp.TCPConnector(
                ssl=s.ssl, limit=s.max_connections, keepalive_timeout=s.keepalive_seconds
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=s.timeout_seconds, sock_connect=s.connect_timeout_seconds
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                read_bufsize=READ_CHUNK,
            )
        return self._session

    async def send(self, request: LegacyRequest, headers: Headers) -> LegacyAnswer:
        """One request and its answer within the timeout; raises the gateway's own errors."""
        url = self.settings.base_url + request.path
        try:
            async with self.session().request(
                request.method, url, data=request.body, headers=list(headers),
                proxy=self.settings.proxy_url, allow_redirects=False,
            ) as answer:  # fmt: skip
                body, truncated = await _read_capped(answer)
                return LegacyAnswer(
                    answer.status, body, {k.lower(): v for k, v in answer.headers.items()},
                    truncated=truncated,
                )  # fmt: skip
        except aiohttp.ClientConnectorCertificateError as exc:
            raise LegacyCertificateRejected(
                f"the certificate of {exc.host} failed verification: {exc.certificate_error}"
            ) from exc
        except aiohttp.ConnectionTimeoutError as exc:  # nothing was sent
            raise LegacyUnavailable(
                f"cannot connect to {urlsplit(url).netloc} within "
                f"{self.settings.connect_timeout_seconds:g} s"
            ) from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise LegacyTimeout(f"no answer within {self.settings.timeout_seconds:g} s") from exc
        except aiohttp.ClientConnectorError as exc:
            raise LegacyUnavailable(
                f"cannot connect to {exc.host}:{exc.port}: {exc.os_error}"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise LegacyUnavailable(f"connection dropped: {type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read_capped(answer: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    """The body up to `MAX_ANSWER` bytes, and whether there was more (then the connection
    is closed rather than drained: nobody wants the rest)."""
    length = answer.content_length
    if length is not None and length <= MAX_ANSWER:  # the usual answer: one read, no loop
        return await answer.read(), False
    body = bytearray()
    while len(body) <= MAX_ANSWER:
        chunk = await answer.content.read(READ_CHUNK)
        if not chunk:
            return bytes(body), False
        body += chunk
    answer.close()
    return bytes(body[:MAX_ANSWER]), True
