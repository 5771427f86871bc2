"""Console sessions: an operator signs in once with an operator token and gets a cookie.

The cookie is random, HttpOnly, SameSite=Strict, and Secure when the console is reached over
TLS; the database keeps only its SHA-256, with the operator's name, the session's CSRF token
and the browser's time zone. Every console request is checked by `ConsoleAccess`, declared as
`Callers.CONSOLE` in `gateway.api.access`, whose token check (`role_for_token`) it reuses.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from gateway.api.access import (
    Access,
    Callers,
    Credentials,
    Role,
    bearer_token,
    dev_mode,
    role_for_token,
)
from gateway.api.problems import ProblemError
from gateway.api.same_site import refuse_cross_site
from gateway.config import GatewayConfig
from gateway.store.sql import SqlEventStore

COOKIE = "gateway_console"
SESSION_SECONDS = 12 * 3600  # a night shift
PATH = "/admin"


@dataclass(frozen=True, slots=True)
class Session:
    operator: str
    csrf: str
    zone: str
    by_token: bool = False  # a script's bearer token: no cookie, so no CSRF token either


class SignInNeeded(Exception):
    """No console session: a page asks the browser to sign in first."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "surrogateescape")).hexdigest()


def open_session(store: SqlEventStore, *, operator: str, zone: str, now: float) -> str:
    """A new session; returns the cookie value (never stored)."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.transaction() as tx:
        tx.connection.exec_driver_sql(
            store.sql("DELETE FROM console_sessions WHERE expires_at < ?"), (now,)
        )
        tx.connection.exec_driver_sql(
            store.sql(
                "INSERT INTO console_sessions (digest, operator, csrf, zone, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?)"
            ),
            (_digest(cookie), operator, csrf, zone, now, now + SESSION_SECONDS),
        )
    return cookie


def load_session(store: SqlEventStore, cookie: str | None, *, now: float) -> Session | None:
    if not cookie:
        return None
    rows = store.fetch(
        "SELECT operator, csrf, zone FROM console_sessions WHERE digest = ? AND expires_at > ?",
        (_digest(cookie), now),
    )
    return Session(*rows[0]) if rows else None


def close_session(store: SqlEventStore, cookie: str | None) -> None:
    if cookie:
        with store.transaction() as tx:
            tx.connection.exec_driver_sql(
                store.sql("DELETE FROM console_sessions WHERE digest = ?"), (_digest(cookie),)
            )


def set_cookie(response: Response, request: Request, cookie: str) -> None:
    response.set_cookie(
        COOKIE, cookie, max_age=SESSION_SECONDS, path=PATH, httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip


def csrf_matches(session: Session, given: str | None) -> bool:
    """A form post carries its session's CSRF token; a bearer-token call needs none."""
    if session.by_token:
        return True
    return bool(given) and hmac.compare_digest(session.csrf.encode(), (given or "").encode())


def token_signs_in(config: GatewayConfig, token: str, *, local_dev: bool) -> bool:
    """An operator token (the one check of `gateway.api.access`), or dev mode on this host."""
    if token:
        return role_for_token(config, token) is Role.OPERATOR
    return local_dev


@dataclass(frozen=True)
class ConsoleAccess(Access):
    """A console page or action: a session cookie (or an operator bearer token) is needed.

    The Host and Origin checks of `refuse_cross_site` apply; a form post is not refused for
    its media type, since each console form carries its session's CSRF token instead.
    """

    callers: Callers = Callers.CONSOLE

    async def __call__(self, request: Request, _: Credentials) -> Session:  # type: ignore[override]
        gateway = request.app.state.gateway
        config: GatewayConfig = gateway.config
        refuse_cross_site(request, config=config, dev_mode=dev_mode(config), ambient=False)
        token = bearer_token(request)
        if token is not None:
            role = role_for_token(config, token)
            if role is Role.OPERATOR:
                return Session("operator token", "", "UTC", by_token=True)
            raise self._refusal(request, role, config=config, dev=dev_mode(config))
        session = load_session(gateway.store, request.cookies.get(COOKIE), now=time.time())
        if session is not None:
            return session
        if request.method == "GET":
            raise SignInNeeded(request.url.path)
        raise ProblemError(401, "sign in to the console first (/admin/sign-in)")


CONSOLE = [Depends(ConsoleAccess())]
SessionDep = Annotated[Session, Depends(ConsoleAccess())]
