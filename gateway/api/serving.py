"""How `gateway run` serves the app: uvicorn's settings, and where it may listen.

Without operator tokens (dev mode) callers on this host are operators, so the gateway listens
on a loopback address only and refuses any other at start. Forwarding headers are read by the
app itself (`gateway.api.proxies`), from `http.trusted_proxies` only, so uvicorn's own reading
(which trusts 127.0.0.1 by default) is off.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping

import uvicorn
from fastapi import FastAPI

from gateway.api.access import dev_mode
from gateway.config import GatewayConfig
from gateway.errors import ConfigError


def check_listen_address(
    config: GatewayConfig, host: str, *, environ: Mapping[str, str] = os.environ
) -> None:
    """Raise `ConfigError` when dev mode would listen on anything but a loopback address."""
    if dev_mode(config, environ=environ) and not is_loopback(host):
        variable = config.http.operator_tokens_env
        raise ConfigError(
            f"http.host: {host!r} is not a loopback address, and {variable} holds no tokens: "
            "without them callers on this host are operators, so the gateway serves only on "
            f"127.0.0.1, ::1 or localhost. Set {variable} (docs/security.md) to serve others."
        )


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_config(app: FastAPI, *, config: GatewayConfig, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,  # read by the app, from http.trusted_proxies only
        server_header=False,
        limit_concurrency=config.http.limit_concurrency,
    )
