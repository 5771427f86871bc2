"""How one legacy system is reached: its base URL, TLS, proxy, timeouts and pool size, read
from its `destinations` entry once at start (a file that cannot be read fails the start).

Kept apart from the session (`origin`) so that building a destination imports no HTTP client:
aiohttp loads when delivery starts.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.delivery.settings import DestinationConfig, TlsConfig
from gateway.errors import ConfigError


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
