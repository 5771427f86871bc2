"""Forwarding headers count only from the proxies `http.trusted_proxies` lists.

From a trusted proxy, `X-Forwarded-For` and `X-Forwarded-Proto` name the client (uvicorn's own
resolver, rightmost untrusted address). From anyone else they are ignored, and the request is
marked: a same-host proxy we were not told about must not make its callers look local.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDING_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-real-ip"})
UNTRUSTED_FORWARDING = "gateway.untrusted_forwarding"


class TrustedProxies:
    """ASGI middleware: the client address from forwarding headers of trusted proxies only."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)
        hosts = [str(network) for network in self.trusted]
        self.resolve = cast(ASGIApp, ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=hosts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
        elif self._trusts(scope.get("client")):
            await self.resolve(scope, receive, send)
        else:
            if any(name in FORWARDING_HEADERS for name, _ in scope["headers"]):
                scope[UNTRUSTED_FORWARDING] = True
            await self.app(scope, receive, send)

    def _trusts(self, client: tuple[str, int] | None) -> bool:
        if client is None or not self.trusted:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.trusted)


def forwarded_by_untrusted_peer(scope: Scope) -> bool:
    """The request carries forwarding headers from a peer `http.trusted_proxies` does not list."""
    return bool(scope.get(UNTRUSTED_FORWARDING, False))
