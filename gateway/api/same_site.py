"""Defences against a web page in an operator's browser: the Host, the Origin, form posts.

In dev mode (no operator tokens) a caller on this host is an operator without credentials of
its own, and so is any web page its browser opens. So: the Host must be the gateway's own
(`localhost`, a loopback address or one of `http.allowed_hosts`), against DNS rebinding; a
state-changing call from another Origin is refused; and one without a bearer token must send
a body a web form cannot send (a Content-Type such as `application/json`), which a browser
lets a foreign page send only after a CORS preflight the gateway never answers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.requests import Request

from gateway.api.problems import ProblemError
from gateway.config import GatewayConfig

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What an HTML form, or a script without a CORS preflight, can send (the Fetch standard's list)
FORM_MEDIA_TYPES = frozenset(
    {"", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)


def refuse_cross_site(
    request: Request, *, config: GatewayConfig, dev_mode: bool, ambient: bool
) -> None:
    """Raise a 400/403 problem for a request another site could have made the browser send.

    `ambient`: the route lets callers on this host in without a token (in dev mode).
    """
    allowed = config.http.allowed_hosts
    host = request.headers.get("host", "")
    if (dev_mode or allowed) and not is_own_host(host, allowed=allowed):
        raise ProblemError(400, f"Host {host[:100]!r} is not this gateway's: use localhost or a "
                           "loopback address, or list the name in http.allowed_hosts")  # fmt: skip
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and not is_same_origin(origin, host=host, allowed=allowed):
        raise ProblemError(403, f"a call from Origin {origin[:100]!r} is refused (cross-site)")
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise ProblemError(403, "a cross-site call is refused (Sec-Fetch-Site: cross-site)")
    carries_bearer = request.headers.get("authorization", "")[:7].lower() == "bearer "
    if dev_mode and ambient and not carries_bearer:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type in FORM_MEDIA_TYPES:
            raise ProblemError(403, "without a bearer token, send a JSON body (Content-Type: "
                               "application/json; uploads: application/octet-stream), which a "
                               "web page cannot send from another site")  # fmt: skip


def host_name(authority: str) -> str:
    """`host` of a `host[:port]` or `[v6]:port` authority, lower case, no trailing dot."""
    value = authority.strip().lower()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else ""
    elif value.count(":") == 1:
        value = value.split(":")[0]
    return value.rstrip(".")


def is_own_host(authority: str, *, allowed: Sequence[str]) -> bool:
    name = host_name(authority)
    if name == "localhost" or _matches(name, allowed):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_same_origin(origin: str, *, host: str, allowed: Sequence[str]) -> bool:
    """The Origin is the gateway's own address as the caller named it, or an allowed host."""
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" and the like: a sandboxed or opaque origin
    return parts.netloc.lower() == host.strip().lower() or _matches(
        host_name(parts.netloc), allowed
    )


def _matches(name: str, allowed: Sequence[str]) -> bool:
    for pattern in allowed:
        wanted = pattern.lower()
        if name == wanted or (wanted.startswith("*.") and name.endswith(wanted[1:])):
            return True
    return False
