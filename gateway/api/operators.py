"""Who may call the operator endpoints: imports, deliveries, dead letters, jobs, exports, admin.

With tokens in the variable `http.operator_tokens_env` names (comma-separated, so one can be
rotated), every call needs `Authorization: Bearer <token>`. Without them, only callers on this
host may: a gateway on a developer's machine works at once, and one behind a load balancer
refuses operators until its tokens are set. The webhook, feed and command-status endpoints
have their own rules.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.api.problems import ProblemError

bearer = HTTPBearer(auto_error=False, description="A token from $GATEWAY_OPERATOR_TOKENS")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def require_operator(request: Request, credentials: Credentials) -> None:
    tokens_env: str = request.app.state.gateway.config.http.operator_tokens_env
    tokens = [t.strip() for t in os.environ.get(tokens_env, "").split(",") if t.strip()]
    if tokens:
        given = credentials.credentials if credentials else ""
        if not any(hmac.compare_digest(given.encode(), t.encode()) for t in tokens):
            raise ProblemError(401, "a valid operator bearer token is required",
                               headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        return
    if not _on_this_host(request.client.host if request.client else ""):
        raise ProblemError(
            403, f"operator endpoints answer other hosts only once {tokens_env} holds tokens"
        )


def _on_this_host(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


OPERATOR = [Depends(require_operator)]
