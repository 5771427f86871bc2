"""Who may call each route: anyone, a legacy source, the platform or an operator.

Every route declares its callers with one of the dependencies below (`ANYONE`, `SOURCE`,
`PLATFORM`, `READERS`, `OPERATOR`); `create_app` refuses to build an app with a route that
declares none, and `route_access` lists the declarations for the authorization test.

A caller's role comes from its bearer token: a platform token (`$GATEWAY_PLATFORM_TOKENS`, the
variable `platform_events.tokens_env` names, or a `platform_events.writers` entry's) or one of
`$GATEWAY_OPERATOR_TOKENS` (`http.operator_tokens_env`), comma-separated so a token can be
rotated. `role_for_token` and `role_of` are the one check, for
HTTP routes, WebSockets and session cookies alike. Without operator tokens the gateway is in dev
mode: callers on this host count as operators (see `gateway.api.same_site` for its limits).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.requests import HTTPConnection

from gateway.api.problems import ProblemError
from gateway.api.proxies import forwarded_by_untrusted_peer
from gateway.api.same_site import refuse_cross_site
from gateway.config import GatewayConfig
from gateway.platform.writers import grant_for, known_tokens


class Role(StrEnum):
    """What a bearer token makes its holder."""

    PLATFORM = "platform"  # the platform's services: read the feed, append their own events
    OPERATOR = "operator"  # the integration team: everything but appending platform events


class Callers(StrEnum):
    """Who a route answers, as declared on it."""

    ANYONE = "anyone"  # no token: liveness, metrics, API docs
    SOURCE = "source"  # a legacy system, with its source's own credentials (webhooks)
    PLATFORM = "platform"
    READERS = "readers"  # platform or operator
    OPERATOR = "operator"
    CONSOLE = "console"  # an operator in a browser: a console session (or an operator token)


ROLES_OF: Mapping[Callers, frozenset[Role]] = {
    Callers.ANYONE: frozenset(),
    Callers.SOURCE: frozenset(),
    Callers.PLATFORM: frozenset({Role.PLATFORM}),
    Callers.READERS: frozenset({Role.PLATFORM, Role.OPERATOR}),
    Callers.OPERATOR: frozenset({Role.OPERATOR}),
    Callers.CONSOLE: frozenset({Role.OPERATOR}),
}
bearer = HTTPBearer(
    auto_error=False,
    description="A token from $GATEWAY_PLATFORM_TOKENS or $GATEWAY_OPERATOR_TOKENS",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def tokens_in(variable: str, *, environ: Mapping[str, str] = os.environ) -> list[bytes]:
    """The comma-separated tokens of an environment variable, as bytes to compare."""
    raw = environ.get(variable, "")
    return [t.strip().encode("utf-8", "surrogateescape") for t in raw.split(",") if t.strip()]


def dev_mode(config: GatewayConfig, *, environ: Mapping[str, str] = os.environ) -> bool:
    """No operator tokens: callers on this host are operators, so it serves loopback only."""
    return not tokens_in(config.http.operator_tokens_env, environ=environ)


def role_for_token(
    config: GatewayConfig, token: str, *, environ: Mapping[str, str] = os.environ
) -> Role | None:
    """The role `token` grants, or None. Constant time per token; any text is safe to pass."""
    given = token.encode("utf-8", "surrogateescape")
    operator = [hmac.compare_digest(given, t) for t in tokens_in(config.http.operator_tokens_env,
                                                                 environ=environ)]  # fmt: skip
    platform = grant_for(token, config.platform_events, environ) is not None
    if any(operator):  # every token compared: no early exit tells which one matched
        return Role.OPERATOR
    return Role.PLATFORM if platform else None


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer` header, or None when there is none."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def on_this_host(connection: HTTPConnection) -> bool:
    """The caller is on a loopback address and came through no proxy we do not trust."""
    if forwarded_by_untrusted_peer(connection.scope):
        return False
    host = connection.client.host if connection.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def role_of(connection: HTTPConnection, *, local_operator: bool = True) -> Role | None:
    """The caller's role: from its bearer token, else (dev mode, this host) operator."""
    config: GatewayConfig = connection.app.state.gateway.config
    token = bearer_token(connection)
    if token is not None:
        return role_for_token(config, token)
    if local_operator and dev_mode(config) and on_this_host(connection):
        return Role.OPERATOR
    return None


@dataclass(frozen=True)
class Access:
    """The dependency that enforces a route's declared callers."""

    callers: Callers

    async def __call__(self, request: Request, _: Credentials) -> Role | None:
        config: GatewayConfig = request.app.state.gateway.config
        dev = dev_mode(config)
        allowed = ROLES_OF[self.callers]
        if self.callers is not Callers.SOURCE:  # a legacy system's own credentials are not ambient
            refuse_cross_site(request, config=config, dev_mode=dev,
                              ambient=Role.OPERATOR in allowed)  # fmt: skip
        if not allowed:
            return None
        role = role_of(request, local_operator=Role.OPERATOR in allowed)
        if role in allowed:
            return role
        raise self._refusal(request, role, config=config, dev=dev)

    def _refusal(
        self, request: Request, role: Role | None, *, config: GatewayConfig, dev: bool
    ) -> ProblemError:
        wanted = " or ".join(sorted(ROLES_OF[self.callers]))
        if role is not None:
            return ProblemError(403, f"this endpoint is for {wanted} callers, not {role}")
        if dev and bearer_token(request) is None and Role.OPERATOR in ROLES_OF[self.callers]:
            variable = config.http.operator_tokens_env
            return ProblemError(
                403, f"without tokens in {variable} only callers on this host are answered"
            )
        if self.callers is Callers.PLATFORM and not known_tokens(config.platform_events):
            return ProblemError(401, f"no platform tokens are configured "
                                f"({config.platform_events.tokens_env} is not set)",
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        return ProblemError(401, f"a valid {wanted} bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip


def _declare(callers: Callers) -> list[Any]:
    return [Depends(Access(callers))]


ANYONE = _declare(Callers.ANYONE)
SOURCE = _declare(Callers.SOURCE)
PLATFORM = _declare(Callers.PLATFORM)
READERS = _declare(Callers.READERS)
OPERATOR = _declare(Callers.OPERATOR)


@dataclass(frozen=True)
class RouteAccess:
    method: str
    path: str
    callers: Callers | None  # None: the route declares nobody, which `create_app` refuses


def route_access(app: FastAPI) -> list[RouteAccess]:
    """Every method and path the app serves, with the callers its route declares."""
    docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    found: list[RouteAccess] = []
    for route in _routes(app):
        path: str = route.path
        if isinstance(getattr(route, "app", None), StaticFiles):  # the docs' scripts: no data
            found.append(RouteAccess("GET", path + "/{path}", Callers.ANYONE))
            continue
        callers = Callers.ANYONE if path in docs else _declared(getattr(route, "dependant", None))
        methods = getattr(route, "methods", None) or {"WEBSOCKET"}
        found += [RouteAccess(m, path, callers) for m in sorted(methods) if m != "HEAD"]
    return found


def undeclared_routes(app: FastAPI) -> list[str]:
    return [f"{r.method} {r.path}" for r in route_access(app) if r.callers is None]


def _routes(app: FastAPI) -> Iterator[Any]:
    try:  # FastAPI 0.130 on keeps included routers as branches; this walks them flat
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI lists flat routes
        yield from app.routes
        return
    yield from iter_route_contexts(app.routes)


def _declared(dependant: Any) -> Callers | None:
    """The callers an `Access` dependency anywhere in the route's dependency tree names."""
    if dependant is None:
        return None
    if isinstance(dependant.call, Access):
        return dependant.call.callers
    for sub in dependant.dependencies:
        found = _declared(sub)
        if found is not None:
            return found
    return None
