"""The HTTP client of one destination: an aiohttp session with that legacy system's TLS,
proxy, timeouts and keep-alive; aiohttp's errors become the gateway's own, here, once.

One `ClientSession` per destination: its connection pool, CA bundle and client certificate
belong to that legacy system alone. Answers are read up to `MAX_ANSWER` bytes; a longer one
is cut there and marked `truncated` (a legacy system has nothing to say in a megabyte).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from gateway.delivery.headers import Headers
from gateway.delivery.legacy import LegacyAnswer, LegacyRequest
from gateway.delivery.settings import DestinationConfig, TlsConfig
from gateway.errors import (
    ConfigError,
    LegacyCertificateRejected,
    LegacyTimeout,
    LegacyUnavailable,
)

log = logging.getLogger(__name__)
MAX_ANSWER = 1024 * 1024
READ_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class OriginSettings:
    """What the session needs, checked at start (the TLS context is built from files)."""

    base_url: str
    timeout_seconds: float
    connect_timeout_seconds: float
    keepalive_seconds: float
    max_connections: int
    ssl: ssl.SSLContext | bool  # True: the system's store (tests); a context otherwise
    proxy_url: str | None = None

    @classmethod
    def of(
        cls, base_url: str, config: DestinationConfig, *, key: str, environ: Mapping[str, str]
    ) -> OriginSettings:
        return cls(
            base_url.rstrip("/"), config.timeout_seconds, config.connect_timeout_seconds,
            config.keepalive_seconds, config.max_in_flight,
            tls_context(config.tls, key=f"{key}.tls"),
            config.proxy_url or proxy_from_environment(base_url, environ),
        )  # fmt: skip


def proxy_from_environment(base_url: str, environ: Mapping[str, str]) -> str | None:
    """`HTTPS_PROXY` / `HTTP_PROXY` (either case) for the URL's scheme, unless `NO_PROXY`
    names its host. Read once at start: aiohttp's `trust_env` reads them (and ~/.netrc) on
    every request, which halved the delivery rate when measured."""
    parts = urlsplit(base_url)
    names = (f"{parts.scheme}_proxy", f"{parts.scheme.upper()}_PROXY")
    proxy = next((environ[n] for n in names if environ.get(n)), None)
    no_proxy = environ.get("no_proxy") or environ.get("NO_PROXY") or ""
    if proxy is None or not parts.hostname:
        return None
    if _bypassed(parts.hostname, no_proxy):
        return None
    return proxy


def _bypassed(host: str, no_proxy: str) -> bool:
    """`NO_PROXY` as curl reads it: `*`, a host, or a domain (with or without a leading dot)."""
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        domain = entry.lstrip(".")
        if entry == "*" or (domain and (host == domain or host.endswith("." + domain))):
            return True
    return False


def tls_context(tls: TlsConfig, *, key: str) -> ssl.SSLContext:
    """The destination's TLS settings as an SSL context; a file that cannot be read is a
    config error naming the key. `verify: false` checks nothing but still shows our
    client certificate, so a test GL behind mutual TLS can be reached."""
    try:
        context = ssl.create_default_context(cafile=tls.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"{key}.ca_file: cannot load {tls.ca_file!r}: {exc}") from exc
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.client_cert_file:
        try:
            context.load_cert_chain(tls.client_cert_file, tls.client_key_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"{key}.client_cert_file: cannot load {tls.client_cert_file!r} with key "
                f"{tls.client_key_file!r}: {exc}"
            ) from exc
    return context


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
